// Whether the process at the other end of an accepted connection may use the
// rendezvous server at all, told before the connection takes a slot.
#ifndef ADDON_LINUX_PEER_ADMISSION_H_
#define ADDON_LINUX_PEER_ADMISSION_H_

#include <cstdint>
#include <optional>

#include "core/debug_log.h"
#include "linux/pidfd_exit_watch.h"

namespace rendezvous {

// The process that connected, pinned: not merely its pid.
struct AdmittedPeer {
  int32_t pid = 0;
  ScopedPidFd process;
};

// The peer of the connected socket `socket` when the kernel can tell who it
// is, it runs as this process's user and it has not exited yet. Otherwise
// logs why it is refused and returns nothing.
std::optional<AdmittedPeer> AdmitPeer(int socket, const DebugLog& log);

}  // namespace rendezvous

#endif  // ADDON_LINUX_PEER_ADMISSION_H_
