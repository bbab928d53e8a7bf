#include "core/registration_table.h"

#include <string>
#include <utility>
#include <vector>

namespace rendezvous {

void RegistrationTable::SetOnChange(std::function<void()> on_change) {
  on_change_ = std::move(on_change);
}

void RegistrationTable::NotifyChange() {
  if (on_change_)
    on_change_();
}

RegistrationTable::LaunchId RegistrationTable::Prepare(RightsByKey rights) {
  std::lock_guard<std::mutex> lock(mutex_);
  LaunchId id = next_launch_++;
  launches_.emplace(id, std::move(rights));
  return id;
}

std::optional<Error> RegistrationTable::Bind(
    LaunchId launch,
    int32_t pid,
    std::unique_ptr<ExitWatch> exit_watch) {
  Registration exited;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = launches_.find(launch);
    if (it == launches_.end()) {
      return Error::Make(codes::kUnknownLaunch,
                         "This launch was already bound or cancelled");
    }
    if (registrations_.count(pid)) {
      return Error::Make(codes::kAlreadyRegistered,
                         "Rights are already registered for pid " +
                             std::to_string(pid) +
                             " and have not been claimed yet");
    }
    auto inserted = registrations_
                        .emplace(pid, Registration{std::move(it->second),
                                                   std::move(exit_watch)})
                        .first;
    launches_.erase(it);
    // An exit watch may report only once (macOS) and may have done so before
    // this registration existed: a child already gone gets nothing.
    const auto& watch = inserted->second.exit_watch;
    if (watch && watch->HasExited()) {
      exited = std::move(inserted->second);
      registrations_.erase(inserted);
    }
  }
  // `exited`, if any, is released here, outside the lock.
  NotifyChange();
  return std::nullopt;
}

std::optional<RightsByKey> RegistrationTable::TakeLaunch(LaunchId launch) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = launches_.find(launch);
  if (it == launches_.end())
    return std::nullopt;
  RightsByKey taken = std::move(it->second);
  launches_.erase(it);
  return taken;
}

void RegistrationTable::Cancel(LaunchId launch) {
  // The rights are released here, outside the lock.
  if (TakeLaunch(launch))
    NotifyChange();
}

void RegistrationTable::GiveBack(LaunchId launch) {
  std::optional<RightsByKey> returned = TakeLaunch(launch);
  if (!returned)
    return;
  for (auto& [key, right] : *returned)
    right->ReturnToCaller();
  NotifyChange();
}

RegistrationTable::ClaimResult RegistrationTable::Claim(int32_t pid,
                                                        ClaimedRights* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = registrations_.find(pid);
  if (it == registrations_.end())
    return launches_.empty() ? ClaimResult::kNothing : ClaimResult::kWait;
  out->rights = std::move(it->second.rights);
  out->exit_watch = std::move(it->second.exit_watch);
  registrations_.erase(it);
  return ClaimResult::kRights;
}

void RegistrationTable::Unclaim(int32_t pid, ClaimedRights claimed) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (registrations_.count(pid))
    return;  // `claimed` is released after the lock (declared before it)
  registrations_.emplace(pid, Registration{std::move(claimed.rights),
                                           std::move(claimed.exit_watch)});
}

bool RegistrationTable::ReleaseIfExited(int32_t pid) {
  Registration released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = registrations_.find(pid);
    if (it == registrations_.end())
      return false;
    if (it->second.exit_watch && !it->second.exit_watch->HasExited())
      return false;
    released = std::move(it->second);
    registrations_.erase(it);
  }
  return true;
}

void RegistrationTable::Clear() {
  std::map<LaunchId, RightsByKey> launches;
  std::map<int32_t, Registration> registrations;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    launches.swap(launches_);
    registrations.swap(registrations_);
  }
}

size_t RegistrationTable::registration_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return registrations_.size();
}

size_t RegistrationTable::pending_launch_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return launches_.size();
}

bool RegistrationTable::IsRegistered(int32_t pid) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return registrations_.count(pid) != 0;
}

}  // namespace rendezvous
