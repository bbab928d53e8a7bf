// File descriptors as rights: `move` hands the caller's descriptor to the
// server, `copy` has the server hold a duplicate of it.
#include "linux/fd_right.h"

#include <fcntl.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/adopted_right.h"
#include "core/seam/handles.h"
#include "posix/fd_spec.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

// A descriptor, and what it carries for the child: a plain fd, a shared
// memory region or a channel end (the child checks which it really is).
class FdRight : public AdoptedRight {
 public:
  FdRight(ScopedFd fd, const RightSpec& spec)
      : AdoptedRight(spec.payload,
                     spec.byte_length,
                     spec.disposition == kFdMove),
        fd_(std::move(fd)) {}
  int fd() const { return fd_.get(); }
  // A moved descriptor is the caller's own number: left open for it. A
  // copy is the server's duplicate and is closed.
  void ReturnToCaller() override {
    if (moved())
      (void)fd_.release();
  }

 private:
  ScopedFd fd_;
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

namespace {

// The lowest number a copy may take: above every descriptor the
// registration names, so no copy can take the number of a named one that
// is closed (where a later check or dup of that number would find the
// copy). -1 when a named number leaves no room above it.
int CopyFloor(const std::vector<RightSpec>& specs) {
  int64_t highest = -1;
  for (const RightSpec& spec : specs) {
    if (spec.handle <= INT_MAX && spec.handle > highest)
      highest = spec.handle;
  }
  return highest < INT_MAX ? static_cast<int>(highest + 1) : -1;
}

enum class Pass { kCopied, kRefused, kUndecided };

// Checks and copies in one pass, in the specs' order, so a copied
// descriptor costs one system call: its dup (above `floor`) is its check,
// and EBADF refuses it as CheckFdSpec would. Every spec before a refused
// one passed the same checks as in CheckRights, so the first bad spec
// fails with the same error. kUndecided: a dup failed otherwise (no room
// above the floor, a full table); nothing is kept and the caller decides
// by the checked path. `copies` is indexed as `specs`.
Pass CheckAndCopy(const std::vector<RightSpec>& specs,
                  int floor,
                  std::vector<ScopedFd>* copies,
                  Error* error) {
  std::set<int> moved;
  copies->resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const RightSpec& spec = specs[i];
    if (spec.disposition != kFdCopy) {
      if (!CheckFdSpec(spec, &moved, error))
        return Pass::kRefused;
      continue;
    }
    if (!CheckFdSpecFields(spec, error))
      return Pass::kRefused;
    int fd = static_cast<int>(spec.handle);
    ScopedFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, floor));
    if (!copy) {
      int failure = errno;
      copies->clear();
      if (failure != EBADF)
        return Pass::kUndecided;
      *error = FdNotOpen(fd, failure);
      return Pass::kRefused;
    }
    (*copies)[i] = std::move(copy);
  }
  return Pass::kCopied;
}

// Every spec checked before anything is copied (CheckRights' order and
// errors), then the copies, at the lowest free numbers.
bool CheckThenCopy(const std::vector<RightSpec>& specs,
                   std::vector<ScopedFd>* copies,
                   Error* error) {
  if (!CheckRights(specs, error))
    return false;
  copies->resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const RightSpec& spec = specs[i];
    if (spec.disposition != kFdCopy)
      continue;
    ScopedFd copy(::fcntl(static_cast<int>(spec.handle), F_DUPFD_CLOEXEC, 0));
    if (!copy) {
      *error =
          SystemError("fcntl", errno,
                      "Could not duplicate fd " + std::to_string(spec.handle));
      copies->clear();
      return false;
    }
    (*copies)[i] = std::move(copy);
  }
  return true;
}

}  // namespace

bool AdoptRights(const std::vector<RightSpec>& specs,
                 RightsByKey* rights,
                 Error* error) {
  // Copies first: a failed check or dup leaves every moved fd with its
  // caller, and the copies made so far are closed.
  std::vector<ScopedFd> copies;
  int floor = CopyFloor(specs);
  Pass pass =
      floor < 0 ? Pass::kUndecided : CheckAndCopy(specs, floor, &copies, error);
  if (pass == Pass::kRefused)
    return false;
  if (pass == Pass::kUndecided && !CheckThenCopy(specs, &copies, error))
    return false;
  if (!MarkMovedFdsCloseOnExec(specs, error))
    return false;
  RightsByKey taken;
  for (size_t i = 0; i < specs.size(); ++i) {
    const RightSpec& spec = specs[i];
    ScopedFd fd = spec.disposition == kFdCopy
                      ? std::move(copies[i])
                      : ScopedFd(static_cast<int>(spec.handle));
    // Keys usually come in ascending order: the hint makes each insert
    // constant time then.
    taken.emplace_hint(taken.end(), spec.key,
                       std::make_unique<FdRight>(std::move(fd), spec));
  }
  *rights = std::move(taken);
  return true;
}

}  // namespace rendezvous
