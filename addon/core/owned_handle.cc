#include "core/owned_handle.h"

#include "core/deferred_release.h"
#include "core/seam/release.h"

namespace rendezvous {

void OwnedHandleTraits::Free(int64_t handle) const {
  if (through)
    through->Release(OwnedHandle(handle, kind, byte_length));
  else
    ReleaseReceivedRight(handle, kind);
}

}  // namespace rendezvous
