#include "core/unsent_replies.h"

#include <utility>

namespace rendezvous {

UnsentReplies::Kept UnsentReplies::Keep(uint64_t request_id,
                                        int32_t pid,
                                        ClaimedRights* claimed,
                                        Clock::time_point now) {
  auto it = episodes_.find(request_id);
  Kept kept = Kept::kAgain;
  if (it == episodes_.end()) {
    kept = Kept::kFirstRefusal;
    it = episodes_
             .emplace(request_id, Episode{pid, ClaimedRights(), false, now,
                                          now + give_up_after_})
             .first;
  }
  if (now >= it->second.deadline) {
    episodes_.erase(it);
    return Kept::kTimeIsUp;
  }
  it->second.claimed = std::move(*claimed);
  *claimed = ClaimedRights();
  it->second.holds_rights = true;
  it->second.retry_at = now + retry_interval_;
  return kept;
}

void UnsentReplies::End(uint64_t request_id) {
  episodes_.erase(request_id);
}

std::vector<UnsentReplies::Due> UnsentReplies::TakeDue(Clock::time_point now) {
  std::vector<Due> due;
  for (auto& [id, episode] : episodes_) {
    if (!episode.holds_rights || now < episode.retry_at)
      continue;
    episode.holds_rights = false;
    due.push_back(Due{id, episode.pid, std::move(episode.claimed)});
    episode.claimed = ClaimedRights();
  }
  return due;
}

std::optional<UnsentReplies::Due> UnsentReplies::Forget(uint64_t request_id) {
  auto it = episodes_.find(request_id);
  if (it == episodes_.end())
    return std::nullopt;
  std::optional<Due> kept;
  if (it->second.holds_rights)
    kept = Due{request_id, it->second.pid, std::move(it->second.claimed)};
  episodes_.erase(it);
  return kept;
}

std::optional<UnsentReplies::Clock::time_point> UnsentReplies::NextRetry()
    const {
  std::optional<Clock::time_point> next;
  for (const auto& [id, episode] : episodes_) {
    if (episode.holds_rights && (!next || episode.retry_at < *next))
      next = episode.retry_at;
  }
  return next;
}

}  // namespace rendezvous
