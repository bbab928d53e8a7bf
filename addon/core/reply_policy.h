// What every request gets, decided once for every backend: its rights, an
// empty answer, or a hold until its launch is bound; and what becomes of
// rights whose reply could not be sent. The backend only moves bytes and
// rights (ReplyTransport); the table and the held requests are handled here.
//
// Thread use: owned by the server's thread (or serial queue), like the
// transport it calls; not locked. held_count() may be read from any thread.
//
// Ownership: rights claimed for a reply are owned here until the transport
// sends them, or they go back to the table (RegistrationTable::Unclaim),
// where they stay until the child exits. A failed send that took nothing
// never releases them; one that took some is the transport's to settle.
#ifndef ADDON_CORE_REPLY_POLICY_H_
#define ADDON_CORE_REPLY_POLICY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "core/debug_log.h"
#include "core/held_requests.h"
#include "core/limits.h"
#include "core/registration_table.h"
#include "core/unsent_replies.h"

namespace rendezvous {

// How a backend's send of a reply went.
enum class SendResult {
  kSent,           // the reply went
  kRefusedForNow,  // nothing was taken, and a later try may pass
  kRefused,        // nothing was taken, and another try would fail too
  kLost,           // the send took some rights: none may be released again
};

struct SendOutcome {
  SendResult result = SendResult::kSent;
  int error = 0;         // errno or kern_return_t, for the log
  const char* why = "";  // what the error means here, for the log
};

// The backend's half: one request's reply, over its connection or reply
// right. Request ids are the backend's, unique for the server's life.
class ReplyTransport {
 public:
  virtual ~ReplyTransport() = default;
  // Whether `request` comes from the very process `claimed` was bound to
  // (asked only when `claimed` holds rights).
  virtual bool IsBoundProcess(uint64_t request,
                              const ClaimedRights& claimed) = 0;
  // What an asker that is not that process gets: an empty reply (true), or
  // its request dropped unanswered (false).
  virtual bool AnswersStrangersEmpty() const = 0;
  // Sends `claimed` (possibly empty) as `request`'s reply. On kSent and
  // kLost the transport has made `claimed`'s owners forget what the kernel
  // took; on a refusal it has touched nothing.
  virtual SendOutcome Send(uint64_t request, ClaimedRights& claimed) = 0;
  // `request` needs nothing more: its reply went, or never will.
  virtual void Finish(uint64_t request) = 0;
};

// How soon a reply the kernel refused for now is sent again.
inline constexpr std::chrono::milliseconds kReplyRetryInterval{50};

class ReplyPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  ReplyPolicy(RegistrationTable* table,
              const ServerLimits& limits,
              const DebugLog& log,
              ReplyTransport* transport);

  // A request from `pid`: answered at once, or held (see HeldRequests) until
  // its launch is bound or `pending_request_timeout` passes.
  void OnRequest(uint64_t request,
                 int32_t pid,
                 Clock::time_point now,
                 const std::function<bool()>& is_direct_child);
  // Answers the held requests that can be answered now, and sends again the
  // refused replies that are due.
  void OnTick(Clock::time_point now);
  // The asker of `request` left: it is held no more, and rights kept for its
  // reply go back to the table. The transport is not called.
  void Forget(uint64_t request);

  // Held, or its reply waiting to be sent again: the request was read.
  bool IsWaiting(uint64_t request) const;
  std::optional<Clock::time_point> NextDeadline() const;
  size_t held_count() const { return held_.count(); }

 private:
  void Answer(uint64_t request,
              int32_t pid,
              ClaimedRights claimed,
              Clock::time_point now);
  // After a refusal: keeps the rights for another try, or puts them back.
  // True when the request still waits for its reply.
  bool KeepOrPutBack(uint64_t request,
                     int32_t pid,
                     ClaimedRights* claimed,
                     const SendOutcome& outcome,
                     Clock::time_point now);

  RegistrationTable* const table_;
  const ServerLimits limits_;
  const DebugLog log_;
  ReplyTransport* const transport_;
  HeldRequests held_;
  UnsentReplies unsent_;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_REPLY_POLICY_H_
