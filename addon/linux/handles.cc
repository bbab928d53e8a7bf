// Releasing and duplicating the handles this process owns.
#include "linux/handles.h"

#include <fcntl.h>

#include <cerrno>
#include <climits>
#include <string>

#include "core/platform.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

void ReleaseReceivedRight(int64_t handle, RightKind kind) {
  if (IsDescriptorKind(kind) && handle >= 0 && handle <= INT_MAX)
    ScopedFd(static_cast<int>(handle)).reset();
}

bool DuplicateHandle(int64_t handle,
                     RightKind kind,
                     int64_t* copy,
                     Error* error) {
  if (!IsDescriptorKind(kind) || handle < 0 || handle > INT_MAX) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a descriptor: " + std::to_string(handle));
    return false;
  }
  int fd = ::fcntl(static_cast<int>(handle), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    *error = SystemError(
        "fcntl", errno, "Could not duplicate fd " + std::to_string(handle),
        errno == EBADF ? codes::kInvalidRight : codes::kSystem);
    return false;
  }
  *copy = fd;
  return true;
}

}  // namespace rendezvous
