// Releasing and duplicating the handles this process owns.
#include "linux/handles.h"

#include <climits>
#include <string>

#include "core/seam/handles.h"
#include "core/seam/release.h"
#include "posix/duplicate_fd.h"
#include "posix/scoped_fd.h"

namespace rendezvous {

void ReleaseReceivedRight(int64_t handle, RightKind kind) {
  if (IsDescriptorKind(kind) && handle >= 0 && handle <= INT_MAX)
    ScopedFd(static_cast<int>(handle)).reset();
}

bool DuplicateHandle(int64_t handle,
                     RightKind kind,
                     OwnedHandle* copy,
                     Error* error) {
  if (!IsDescriptorKind(kind)) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a descriptor: " + std::to_string(handle));
    return false;
  }
  int64_t fd;
  if (!DuplicateFd(handle, &fd, error))
    return false;
  *copy = OwnedHandle(fd, kind);
  return true;
}

}  // namespace rendezvous
