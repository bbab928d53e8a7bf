// On Linux every kind of handle the addon moves is a file descriptor: plain
// ones, shared memory (memfd) and channel ends (sockets).
#ifndef ADDON_LINUX_HANDLES_H_
#define ADDON_LINUX_HANDLES_H_

#include "core/right.h"

namespace rendezvous {

inline bool IsDescriptorKind(RightKind kind) {
  return kind == RightKind::kFd || kind == RightKind::kSharedMemory ||
         kind == RightKind::kChannel;
}

}  // namespace rendezvous

#endif  // ADDON_LINUX_HANDLES_H_
