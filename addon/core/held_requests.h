// Requests that arrived before their child's pid was bound to a launch.
//
// Thread use: owned by the server thread; not locked. Only count() may be
// read from another thread (the JS thread's stats()).
//
// A child can ask before its parent knows its pid (Electron reports the pid
// only at 'spawn', after the child runs). Such a request is held, bounded in
// count and time, and answered as soon as the table can say something
// definite for its pid: the rights, once bound to that pid; or nothing, once
// no launch is pending any more or the deadline passes. It is never answered
// with another pid's rights.
//
// Only a direct child of this process can be a launch's child (utility
// processes and fork()ed children are), so only such an asker is held at
// all, and each within a share of the slots: an unrelated process, or one
// child asking over and over, cannot fill them and leave the real child an
// empty answer.
#ifndef ADDON_CORE_HELD_REQUESTS_H_
#define ADDON_CORE_HELD_REQUESTS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/debug_log.h"
#include "core/registration_table.h"
#include "core/right.h"

namespace rendezvous {

class HeldRequests {
 public:
  using Clock = std::chrono::steady_clock;
  // Called once per resolved request with what to send (possibly empty).
  using Answer = std::function<
      void(uint64_t request_id, int32_t pid, ClaimedRights claimed)>;

  enum class Admission {
    kAnswerNow,  // send what `claimed` holds (the rights, or nothing)
    kHeld,       // answered later, through Resolve()
  };

  explicit HeldRequests(size_t capacity) : HeldRequests(capacity, capacity) {}
  HeldRequests(size_t capacity, size_t capacity_per_pid)
      : capacity_(capacity), capacity_per_pid_(capacity_per_pid) {}

  // Decides what a new request from `pid` gets: its rights if registered;
  // nothing at once if no launch is pending, or if `is_direct_child` (asked
  // only then) says the asker cannot be a launch's child, or if the slots
  // (overall, or this pid's share) are taken; otherwise it is held.
  Admission Admit(RegistrationTable& table,
                  uint64_t request_id,
                  int32_t pid,
                  Clock::time_point deadline,
                  const std::function<bool()>& is_direct_child,
                  const DebugLog& log,
                  ClaimedRights* claimed);
  // False when full, overall or for `pid`: the caller answers the request
  // empty instead.
  bool Hold(uint64_t request_id, int32_t pid, Clock::time_point deadline);
  // Forgets a request whose connection went away.
  void Drop(uint64_t request_id);
  // Answers every held request that can be answered now.
  void Resolve(RegistrationTable& table,
               Clock::time_point now,
               const Answer& answer);
  bool Contains(uint64_t request_id) const;
  std::optional<Clock::time_point> NextDeadline() const;
  // How many requests are held now; safe from any thread. It is how a caller
  // (and a test) sees that a child has asked before its launch was bound.
  size_t count() const { return count_.load(); }

 private:
  struct Held {
    uint64_t request_id;
    int32_t pid;
    Clock::time_point deadline;
  };
  void Recount() { count_.store(held_.size()); }

  size_t capacity_;
  size_t capacity_per_pid_;
  std::vector<Held> held_;
  std::atomic<size_t> count_{0};
};

}  // namespace rendezvous

#endif  // ADDON_CORE_HELD_REQUESTS_H_
