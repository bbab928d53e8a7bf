// Which rights are waiting for which child.
//
// Thread use: every method may be called from any thread; one mutex guards
// the state. The JS thread registers and cancels; the server thread claims and
// releases exited children. `on_change` (set once, before the server starts)
// is called after any change that could let a held request be answered, with
// the lock released.
//
// Ownership: a launch owns its rights from Prepare() until it is bound (or
// given back: GiveBack() returns moved ones to the caller unreleased), then
// the registration owns them until they are claimed (moved to the caller of
// Claim), the child exits, or the table is cleared. Whatever is released here
// is destroyed here, by the Right destructors.
#ifndef ADDON_CORE_REGISTRATION_TABLE_H_
#define ADDON_CORE_REGISTRATION_TABLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "core/error.h"
#include "core/right.h"

namespace rendezvous {

class RegistrationTable {
 public:
  using LaunchId = uint64_t;

  enum class ClaimResult {
    kRights,   // the pid's registration was claimed; rights moved out
    kNothing,  // nothing registered and nothing pending: answer empty now
    kWait,     // nothing registered yet, but a launch is pending: hold
  };

  RegistrationTable() = default;
  RegistrationTable(const RegistrationTable&) = delete;
  RegistrationTable& operator=(const RegistrationTable&) = delete;

  void SetOnChange(std::function<void()> on_change);

  // Takes ownership of rights for a child whose pid is not known yet.
  LaunchId Prepare(RightsByKey rights);
  // Ties a prepared launch to its child's pid. On failure the launch stays
  // prepared, so the caller can still cancel it.
  std::optional<Error> Bind(LaunchId launch,
                            int32_t pid,
                            std::unique_ptr<ExitWatch> exit_watch);
  // Releases a launch that will never be bound. Unknown ids are ignored, so
  // a cancel after a bind is harmless.
  void Cancel(LaunchId launch);
  // Undoes Prepare() for a launch that never ran: moved rights go back to
  // the caller unreleased (Right::ReturnToCaller), copies are released.
  // Unknown ids are ignored, as by Cancel().
  void GiveBack(LaunchId launch);

  ClaimResult Claim(int32_t pid, ClaimedRights* out);
  // Puts back a claim that could not be delivered to its pid's process.
  void Unclaim(int32_t pid, ClaimedRights claimed);
  // Releases the pid's unclaimed registration if its process really exited.
  // Returns true when something was released.
  bool ReleaseIfExited(int32_t pid);
  // Releases everything (server shutdown).
  void Clear();

  size_t registration_count() const;
  size_t pending_launch_count() const;
  bool IsRegistered(int32_t pid) const;

 private:
  struct Registration {
    RightsByKey rights;
    std::unique_ptr<ExitWatch> exit_watch;
  };

  void NotifyChange();
  // Removes a prepared launch and hands out its rights; nullopt when
  // `launch` is unknown.
  std::optional<RightsByKey> TakeLaunch(LaunchId launch);

  mutable std::mutex mutex_;
  LaunchId next_launch_ = 1;                       // guarded by mutex_
  std::map<LaunchId, RightsByKey> launches_;       // guarded by mutex_
  std::map<int32_t, Registration> registrations_;  // guarded by mutex_
  std::function<void()> on_change_;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_REGISTRATION_TABLE_H_
