#include "core/held_requests.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace rendezvous {

HeldRequests::Admission HeldRequests::Admit(
    RegistrationTable& table,
    uint64_t request_id,
    int32_t pid,
    Clock::time_point deadline,
    const std::function<bool()>& is_direct_child,
    const DebugLog& log,
    ClaimedRights* claimed) {
  if (table.Claim(pid, claimed) != RegistrationTable::ClaimResult::kWait)
    return Admission::kAnswerNow;
  if (!is_direct_child()) {
    log("pid %d is not a child of this process; it gets an empty answer", pid);
    return Admission::kAnswerNow;
  }
  if (!Hold(request_id, pid, deadline)) {
    log("too many held requests; pid %d gets an empty answer", pid);
    return Admission::kAnswerNow;
  }
  log("holding pid %d's request until its launch is bound", pid);
  return Admission::kHeld;
}

bool HeldRequests::Hold(uint64_t request_id,
                        int32_t pid,
                        Clock::time_point deadline) {
  if (held_.size() >= capacity_)
    return false;
  size_t held_for_pid = static_cast<size_t>(std::count_if(
      held_.begin(), held_.end(), [&](const Held& h) { return h.pid == pid; }));
  if (held_for_pid >= capacity_per_pid_)
    return false;
  held_.push_back(Held{request_id, pid, deadline});
  Recount();
  return true;
}

void HeldRequests::Drop(uint64_t request_id) {
  held_.erase(
      std::remove_if(held_.begin(), held_.end(),
                     [&](const Held& h) { return h.request_id == request_id; }),
      held_.end());
  Recount();
}

void HeldRequests::Resolve(RegistrationTable& table,
                           Clock::time_point now,
                           const Answer& answer) {
  // Answers are collected first: `answer` may not re-enter this object.
  std::vector<Held> answered;
  std::vector<ClaimedRights> ready;
  auto it = held_.begin();
  while (it != held_.end()) {
    ClaimedRights claimed;
    auto result = table.Claim(it->pid, &claimed);
    bool done =
        result != RegistrationTable::ClaimResult::kWait || now >= it->deadline;
    if (done) {
      answered.push_back(*it);
      ready.push_back(std::move(claimed));
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  Recount();
  for (size_t i = 0; i < ready.size(); ++i)
    answer(answered[i].request_id, answered[i].pid, std::move(ready[i]));
}

bool HeldRequests::Contains(uint64_t request_id) const {
  return std::any_of(held_.begin(), held_.end(),
                     [&](const Held& h) { return h.request_id == request_id; });
}

std::optional<HeldRequests::Clock::time_point> HeldRequests::NextDeadline()
    const {
  std::optional<Clock::time_point> next;
  for (const Held& h : held_) {
    if (!next || h.deadline < *next)
      next = h.deadline;
  }
  return next;
}

}  // namespace rendezvous
