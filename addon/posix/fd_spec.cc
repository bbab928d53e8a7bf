#include "posix/fd_spec.h"

#include <fcntl.h>

#include <cerrno>
#include <climits>

#include "posix/system_error.h"

namespace rendezvous {

bool IsFdDisposition(const std::string& disposition) {
  return disposition == kFdMove || disposition == kFdCopy;
}

bool CheckFdSpecFields(const RightSpec& spec, Error* error) {
  if (spec.payload == RightKind::kHandle) {
    *error = Error::Type(codes::kInvalidRight,
                         "A Windows handle right exists only on Windows");
    return false;
  }
  if (!IsFdDisposition(spec.disposition)) {
    *error = Error::Type(codes::kInvalidDisposition,
                         "disposition must be 'move' or 'copy' for a file "
                         "descriptor, not '" +
                             spec.disposition + "'");
    return false;
  }
  if (spec.handle < 0 || spec.handle > INT_MAX) {
    *error =
        Error::Range(codes::kInvalidRight, "fd must be an integer from 0 to " +
                                               std::to_string(INT_MAX));
    return false;
  }
  return true;
}

Error FdNotOpen(int fd, int errno_value) {
  Error error = SystemError("fcntl", errno_value,
                            "fd " + std::to_string(fd) + " is not open",
                            codes::kInvalidRight);
  error.error_class = ErrorClass::kTypeError;
  return error;
}

bool CheckFdSpec(const RightSpec& spec, std::set<int>* moved, Error* error) {
  if (!CheckFdSpecFields(spec, error))
    return false;
  int fd = static_cast<int>(spec.handle);
  if (::fcntl(fd, F_GETFD) < 0) {
    *error = FdNotOpen(fd, errno);
    return false;
  }
  if (spec.disposition != kFdMove)
    return true;
  if (!moved->insert(fd).second) {
    *error = Error::Type(
        codes::kInvalidRight,
        "fd " + std::to_string(fd) + " is moved twice; it can have one owner");
    return false;
  }
  return true;
}

namespace {

bool MarkCloseOnExec(int fd, Error* error) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0 && (flags & FD_CLOEXEC))
    return true;
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
    *error = SystemError(
        "fcntl", errno,
        "Could not mark fd " + std::to_string(fd) + " close-on-exec");
    return false;
  }
  return true;
}

}  // namespace

bool MarkMovedFdsCloseOnExec(const std::vector<RightSpec>& specs,
                             Error* error) {
  for (const RightSpec& spec : specs) {
    if (spec.disposition == kFdMove &&
        !MarkCloseOnExec(static_cast<int>(spec.handle), error)) {
      return false;
    }
  }
  return true;
}

}  // namespace rendezvous
