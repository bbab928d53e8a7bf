// A second descriptor for the same open file, close-on-exec, as both
// backends make when a message or registration carries a copy.
#ifndef ADDON_POSIX_DUPLICATE_FD_H_
#define ADDON_POSIX_DUPLICATE_FD_H_

#include <fcntl.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "posix/system_error.h"

namespace rendezvous {

inline bool DuplicateFd(int64_t handle, int64_t* copy, Error* error) {
  if (handle < 0 || handle > INT_MAX) {
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

#endif  // ADDON_POSIX_DUPLICATE_FD_H_
