// Replies the kernel refused for now, kept with their rights and sent again.
//
// Thread use: owned by the server's thread (or queue); not locked.
//
// A send that failed took nothing: every right it carried is still the
// server's. When the failure may pass (the kernel is short of memory, or
// this user has too many descriptors in flight), the rights are kept here,
// under the request they answer, and the reply is tried again every
// `retry_interval` until `give_up_after` has passed since its first refusal.
// One such run of refusals is an episode: it ends when the reply goes, when
// the refusal turns final, when the time is over, or when the asker leaves.
// Whatever ends it without a send puts the rights back in the table, where
// they stay until the child exits: a failed send never consumes rights.
#ifndef ADDON_CORE_UNSENT_REPLIES_H_
#define ADDON_CORE_UNSENT_REPLIES_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/right.h"

namespace rendezvous {

class UnsentReplies {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Kept {
    kFirstRefusal,  // a new episode: the caller says so, once
    kAgain,         // one more refusal in a running episode
    kTimeIsUp,      // not kept: the episode ended; `claimed` is the caller's
  };

  struct Due {
    uint64_t request_id;
    int32_t pid;
    ClaimedRights claimed;
  };

  UnsentReplies(Clock::duration retry_interval, Clock::duration give_up_after)
      : retry_interval_(retry_interval), give_up_after_(give_up_after) {}

  // Keeps `claimed` (taking it, unless the time is up) to send again at the
  // next retry.
  Kept Keep(uint64_t request_id,
            int32_t pid,
            ClaimedRights* claimed,
            Clock::time_point now);
  // The episode is over (the reply went, or never will): forgets it.
  void End(uint64_t request_id);
  // Hands out every reply due to be sent again. Each stays an open episode,
  // without rights, until Keep() takes them back or End() closes it.
  std::vector<Due> TakeDue(Clock::time_point now);
  // The asker left: ends its episode and hands back the rights it kept, for
  // the table (none if it had no episode, or its rights are being sent).
  std::optional<Due> Forget(uint64_t request_id);

  bool Contains(uint64_t request_id) const {
    return episodes_.count(request_id) != 0;
  }
  std::optional<Clock::time_point> NextRetry() const;

 private:
  struct Episode {
    int32_t pid;
    ClaimedRights claimed;  // empty while handed out by TakeDue()
    bool holds_rights;
    Clock::time_point retry_at;
    Clock::time_point deadline;
  };

  const Clock::duration retry_interval_;
  const Clock::duration give_up_after_;
  std::map<uint64_t, Episode> episodes_;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_UNSENT_REPLIES_H_
