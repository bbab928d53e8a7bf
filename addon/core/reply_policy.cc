#include "core/reply_policy.h"

#include <algorithm>
#include <utility>

namespace rendezvous {

ReplyPolicy::ReplyPolicy(RegistrationTable* table,
                         const ServerLimits& limits,
                         const DebugLog& log,
                         ReplyTransport* transport)
    : table_(table),
      limits_(limits),
      log_(log),
      transport_(transport),
      held_(limits.max_held_requests, limits.max_held_requests_per_pid),
      unsent_(kReplyRetryInterval, limits.pending_request_timeout) {}

void ReplyPolicy::OnRequest(uint64_t request,
                            int32_t pid,
                            Clock::time_point now,
                            const std::function<bool()>& is_direct_child) {
  ClaimedRights claimed;
  HeldRequests::Admission admission =
      held_.Admit(*table_, request, pid, now + limits_.pending_request_timeout,
                  is_direct_child, log_, &claimed);
  if (admission == HeldRequests::Admission::kAnswerNow)
    Answer(request, pid, std::move(claimed), now);
}

void ReplyPolicy::OnTick(Clock::time_point now) {
  held_.Resolve(*table_, now,
                [&](uint64_t request, int32_t pid, ClaimedRights claimed) {
                  Answer(request, pid, std::move(claimed), now);
                });
  for (UnsentReplies::Due& due : unsent_.TakeDue(now))
    Answer(due.request_id, due.pid, std::move(due.claimed), now);
}

void ReplyPolicy::Forget(uint64_t request) {
  held_.Drop(request);
  // An asker that left before its reply could go: its rights stay
  // registered until it exits, as if it had never asked.
  if (std::optional<UnsentReplies::Due> kept = unsent_.Forget(request))
    table_->Unclaim(kept->pid, std::move(kept->claimed));
}

bool ReplyPolicy::IsWaiting(uint64_t request) const {
  return held_.Contains(request) || unsent_.Contains(request);
}

std::optional<ReplyPolicy::Clock::time_point> ReplyPolicy::NextDeadline()
    const {
  std::optional<Clock::time_point> held = held_.NextDeadline();
  std::optional<Clock::time_point> retry = unsent_.NextRetry();
  if (held && retry)
    return std::min(*held, *retry);
  return held ? held : retry;
}

void ReplyPolicy::Answer(uint64_t request,
                         int32_t pid,
                         ClaimedRights claimed,
                         Clock::time_point now) {
  // Rights go only to the very process that is the registered child. If the
  // registered process died and another took its pid, the rights stay
  // registered and go with the exit that is (or was) reported for it.
  if (!claimed.rights.empty() &&
      !transport_->IsBoundProcess(request, claimed)) {
    log_("pid %d is not the process its rights were bound to", pid);
    table_->Unclaim(pid, std::move(claimed));
    claimed = ClaimedRights();
    table_->ReleaseIfExited(pid);
    if (!transport_->AnswersStrangersEmpty()) {
      unsent_.End(request);
      transport_->Finish(request);
      return;
    }
  }
  size_t count = claimed.rights.size();
  SendOutcome outcome = transport_->Send(request, claimed);
  switch (outcome.result) {
    case SendResult::kSent:
      log_("replied to pid %d with %zu rights", pid, count);
      break;
    case SendResult::kLost:
      log_("reply to pid %d failed (%d%s%s); its %zu rights are lost", pid,
           outcome.error, *outcome.why ? ": " : "", outcome.why, count);
      break;
    case SendResult::kRefusedForNow:
    case SendResult::kRefused:
      if (KeepOrPutBack(request, pid, &claimed, outcome, now))
        return;
      break;
  }
  // Whatever `claimed` still owns now is the server's copy of what was sent
  // (and the exit watch): it goes, now that the child has its answer.
  unsent_.End(request);
  transport_->Finish(request);
}

bool ReplyPolicy::KeepOrPutBack(uint64_t request,
                                int32_t pid,
                                ClaimedRights* claimed,
                                const SendOutcome& outcome,
                                Clock::time_point now) {
  const char* separator = *outcome.why ? ": " : "";
  if (outcome.result == SendResult::kRefusedForNow &&
      !claimed->rights.empty()) {
    switch (unsent_.Keep(request, pid, claimed, now)) {
      case UnsentReplies::Kept::kFirstRefusal:
        log_(
            "the kernel refused pid %d's rights for now (%d%s%s); the reply "
            "is sent again until it goes or the child leaves",
            pid, outcome.error, separator, outcome.why);
        return true;
      case UnsentReplies::Kept::kAgain:
        return true;
      case UnsentReplies::Kept::kTimeIsUp:
        break;
    }
  }
  if (claimed->rights.empty()) {
    log_("reply to pid %d failed (%d%s%s)", pid, outcome.error, separator,
         outcome.why);
    return false;
  }
  // Never consumed by a send that failed: the registration stays, and is
  // released with the rest when the child exits.
  log_("reply to pid %d failed (%d%s%s); its %zu rights stay registered", pid,
       outcome.error, separator, outcome.why, claimed->rights.size());
  table_->Unclaim(pid, std::move(*claimed));
  *claimed = ClaimedRights();
  return false;
}

}  // namespace rendezvous
