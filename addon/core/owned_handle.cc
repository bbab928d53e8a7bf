#include "core/owned_handle.h"

#include "core/deferred_release.h"
#include "core/seam/release.h"

namespace rendezvous {

void OwnedHandle::reset() {
  if (handle_ < 0)
    return;
  if (through_) {
    through_->Release(OwnedHandle(std::exchange(handle_, -1), kind_));
    return;
  }
  ReleaseReceivedRight(std::exchange(handle_, -1), kind_);
}

}  // namespace rendezvous
