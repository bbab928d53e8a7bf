// File descriptors as rights: `move` hands the caller's descriptor to the
// server, `copy` has the server hold a duplicate of it.
#include "linux/fd_right.h"

#include <fcntl.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <set>
#include <string>

#include "core/seam/handles.h"
#include "posix/fd_spec.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

// A descriptor, and what it carries for the child: a plain fd, a shared
// memory region or a channel end (the child checks which it really is).
class FdRight : public Right {
 public:
  FdRight(ScopedFd fd, const RightSpec& spec)
      : fd_(std::move(fd)),
        kind_(spec.payload),
        byte_length_(spec.byte_length),
        moved_(spec.disposition == kFdMove) {}
  int fd() const { return fd_.get(); }
  RightKind kind() const override { return kind_; }
  uint64_t byte_length() const override { return byte_length_; }
  // A moved descriptor is the caller's own number: left open for it. A
  // copy is the server's duplicate and is closed.
  void ReturnToCaller() override {
    if (moved_)
      (void)fd_.release();
  }

 private:
  ScopedFd fd_;
  RightKind kind_;
  uint64_t byte_length_;
  bool moved_;
};

}  // namespace

int FdOfRight(const Right& right) {
  return static_cast<const FdRight&>(right).fd();
}

bool CheckRights(const std::vector<RightSpec>& specs, Error* error) {
  std::set<int> moved;
  for (const RightSpec& spec : specs) {
    if (!CheckFdSpec(spec, &moved, error))
      return false;
  }
  return true;
}

bool AdoptRights(const std::vector<RightSpec>& specs,
                 RightsByKey* rights,
                 Error* error) {
  if (!CheckRights(specs, error))
    return false;
  if (!MarkMovedFdsCloseOnExec(specs, error))
    return false;
  // Copies first: a failed dup leaves every moved fd with its caller.
  RightsByKey taken;
  for (const RightSpec& spec : specs) {
    if (spec.disposition != kFdCopy)
      continue;
    ScopedFd copy(::fcntl(static_cast<int>(spec.handle), F_DUPFD_CLOEXEC, 0));
    if (!copy) {
      *error =
          SystemError("fcntl", errno,
                      "Could not duplicate fd " + std::to_string(spec.handle));
      return false;
    }
    taken.emplace(spec.key, std::make_unique<FdRight>(std::move(copy), spec));
  }
  for (const RightSpec& spec : specs) {
    if (spec.disposition == kFdMove) {
      taken.emplace(spec.key,
                    std::make_unique<FdRight>(
                        ScopedFd(static_cast<int>(spec.handle)), spec));
    }
  }
  *rights = std::move(taken);
  return true;
}

}  // namespace rendezvous
