// Who a connecting process's parent is, told about the very process that
// connected rather than whoever holds its pid by the time we look.
#ifndef ADDON_LINUX_PROCESS_PARENT_H_
#define ADDON_LINUX_PROCESS_PARENT_H_

#include <cstdint>

#include "linux/pidfd_exit_watch.h"

namespace rendezvous {

// True when `process` (a pidfd of the process whose pid is `pid`) is a
// direct child of this process. False when that cannot be told: unreadable,
// or the process has already exited.
bool IsChildOfThisProcess(int32_t pid, const ScopedPidFd& process);

}  // namespace rendezvous

#endif  // ADDON_LINUX_PROCESS_PARENT_H_
