// File descriptors as rights: `move` hands the caller's descriptor to the
// server, `copy` has the server hold a duplicate of it.
#include "linux/fd_right.h"

#include <fcntl.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <set>
#include <string>

#include "core/platform.h"
#include "linux/system_error.h"
#include "posix/scoped_fd.h"

namespace rendezvous {

namespace {

class FdRight : public Right {
 public:
  explicit FdRight(ScopedFd fd) : fd_(std::move(fd)) {}
  int fd() const { return fd_.get(); }
  RightKind kind() const override { return RightKind::kFd; }

 private:
  ScopedFd fd_;
};

constexpr char kMove[] = "move";
constexpr char kCopy[] = "copy";

// Everything that can be wrong with one spec, checked before anything is
// taken. Marks a moved fd close-on-exec: the server keeps it until the child
// claims it, and it must not leak into other processes launched meanwhile.
bool CheckAndPrepare(const RightSpec& spec, Error* error) {
  if (spec.disposition != kMove && spec.disposition != kCopy) {
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
  int fd = static_cast<int>(spec.handle);
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) {
    *error =
        SystemError("fcntl", errno, "fd " + std::to_string(fd) + " is not open",
                    codes::kInvalidRight);
    error->error_class = ErrorClass::kTypeError;
    return false;
  }
  if (spec.disposition == kMove && !(flags & FD_CLOEXEC) &&
      ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
    *error = SystemError(
        "fcntl", errno,
        "Could not mark fd " + std::to_string(fd) + " close-on-exec");
    return false;
  }
  return true;
}

}  // namespace

int FdOfRight(const Right& right) {
  return static_cast<const FdRight&>(right).fd();
}

bool CheckRights(const std::vector<RightSpec>& specs, Error* error) {
  std::set<int64_t> moved;
  for (const RightSpec& spec : specs) {
    if (!CheckAndPrepare(spec, error))
      return false;
    if (spec.disposition == kMove && !moved.insert(spec.handle).second) {
      *error = Error::Type(codes::kInvalidRight,
                           "fd " + std::to_string(spec.handle) +
                               " is moved twice; it can have one owner");
      return false;
    }
  }
  return true;
}

bool AdoptRights(const std::vector<RightSpec>& specs,
                 RightsByKey* rights,
                 Error* error) {
  if (!CheckRights(specs, error))
    return false;
  // Copies first: a failed dup leaves every moved fd with its caller.
  RightsByKey taken;
  for (const RightSpec& spec : specs) {
    if (spec.disposition != kCopy)
      continue;
    ScopedFd copy(::fcntl(static_cast<int>(spec.handle), F_DUPFD_CLOEXEC, 0));
    if (!copy) {
      *error =
          SystemError("fcntl", errno,
                      "Could not duplicate fd " + std::to_string(spec.handle));
      return false;
    }
    taken.emplace(spec.key, std::make_unique<FdRight>(std::move(copy)));
  }
  for (const RightSpec& spec : specs) {
    if (spec.disposition == kMove) {
      taken.emplace(spec.key, std::make_unique<FdRight>(
                                  ScopedFd(static_cast<int>(spec.handle))));
    }
  }
  *rights = std::move(taken);
  return true;
}

}  // namespace rendezvous
