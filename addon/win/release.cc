// How this process gives up a handle it owns (core/seam/release.h).
#include "core/seam/release.h"

#include "win/host_descriptors.h"
#include "win/scoped_handle.h"

namespace rendezvous {

void ReleaseReceivedRight(int64_t handle, RightKind kind) {
  if (kind == RightKind::kFd) {
    // A host descriptor: closing it closes the handle it owns.
    CloseHostDescriptor(handle);
    return;
  }
  if (handle > 0)
    ScopedHandle(HandleFromValue(handle)).reset();
}

}  // namespace rendezvous
