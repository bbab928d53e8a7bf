// Handles as rights: `move` hands the caller's descriptor or handle to the
// server (closed once the child has its own, or when the child dies
// unclaimed), `copy` has the server hold a duplicate made at registration.
#include "win/handle_right.h"

#include <cerrno>
#include <climits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/adopted_right.h"
#include "core/seam/handles.h"
#include "win/host_descriptors.h"
#include "win/scoped_handle.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

class HandleRight : public AdoptedRight {
 public:
  // Owns `handle`: a duplicate, or a raw handle the caller moved.
  HandleRight(ScopedHandle handle, const RightSpec& spec)
      : AdoptedRight(spec.payload, spec.byte_length, spec.disposition == kMove),
        handle_(std::move(handle)) {}
  // Owns the host descriptor `fd`, which the caller moved.
  HandleRight(int64_t fd, const RightSpec& spec)
      : AdoptedRight(spec.payload, 0, true), host_fd_(fd) {}
  ~HandleRight() override { CloseHostDescriptor(host_fd_); }

  HANDLE source() const {
    return host_fd_ >= 0 ? HostOsHandleOf(host_fd_) : handle_.get();
  }
  // What the caller moved is its own again, open; a copy is the server's
  // duplicate and is closed.
  void ReturnToCaller() override {
    if (!moved())
      return;
    host_fd_ = -1;
    (void)handle_.release();
  }

 private:
  ScopedHandle handle_;
  int64_t host_fd_ = -1;
};

bool IsDisposition(const std::string& disposition) {
  return disposition == kMove || disposition == kCopy;
}

// The OS handle `spec` names: a host descriptor's, or the raw handle value.
// INVALID_HANDLE_VALUE when it names nothing open.
HANDLE NamedHandle(const RightSpec& spec) {
  HANDLE handle = spec.payload == RightKind::kFd ? HostOsHandleOf(spec.handle)
                                                 : HandleFromValue(spec.handle);
  DWORD flags;
  if (!HandleTraits::IsValid(handle) || !::GetHandleInformation(handle, &flags))
    return INVALID_HANDLE_VALUE;
  return handle;
}

bool CheckSpec(const RightSpec& spec, std::set<HANDLE>* moved, Error* error) {
  bool is_fd = spec.payload == RightKind::kFd;
  const char* noun = is_fd ? "fd" : "handle";
  if (!IsDisposition(spec.disposition)) {
    *error = Error::Type(codes::kInvalidDisposition,
                         std::string("disposition must be 'move' or 'copy' "
                                     "for a ") +
                             (is_fd ? "file descriptor" : "handle") +
                             ", not '" + spec.disposition + "'");
    return false;
  }
  // Handle values are positive multiples of four; pseudo handles (the
  // current process or thread) are negative and are never a right.
  int64_t highest = is_fd ? INT_MAX : UINT32_MAX;
  if (spec.handle < (is_fd ? 0 : 1) || spec.handle > highest) {
    *error = Error::Range(codes::kInvalidRight,
                          std::string(noun) + " must be an integer from " +
                              (is_fd ? "0" : "1") + " to " +
                              std::to_string(highest));
    return false;
  }
  HANDLE handle = NamedHandle(spec);
  if (handle == INVALID_HANDLE_VALUE) {
    // The failing call and its error, as the POSIX backends name fcntl's
    // EBADF: the host runtime's lookup of a descriptor (EBADF, its errno),
    // or the handle table's (ERROR_INVALID_HANDLE).
    *error = Error::System(
        codes::kInvalidRight,
        std::string(noun) + " " + std::to_string(spec.handle) + " is not open",
        is_fd ? "uv_get_osfhandle" : "GetHandleInformation",
        is_fd ? EBADF : ERROR_INVALID_HANDLE);
    error->error_class = ErrorClass::kTypeError;
    return false;
  }
  // A descriptor and the handle it owns are one object: moving both would
  // give it two owners.
  if (spec.disposition == kMove && !moved->insert(handle).second) {
    *error = Error::Type(codes::kInvalidRight,
                         std::string(noun) + " " + std::to_string(spec.handle) +
                             " is moved twice; it can have one owner");
    return false;
  }
  return true;
}

bool CopyOf(HANDLE handle, ScopedHandle* copy, Error* error) {
  HANDLE duplicate = nullptr;
  if (!::DuplicateHandle(::GetCurrentProcess(), handle, ::GetCurrentProcess(),
                         &duplicate, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    *error = LastWindowsError("DuplicateHandle", "Could not copy a handle");
    return false;
  }
  *copy = ScopedHandle(duplicate);
  return true;
}

}  // namespace

HANDLE SourceHandleOf(const Right& right) {
  return static_cast<const HandleRight&>(right).source();
}

bool CheckRights(const std::vector<RightSpec>& specs, Error* error) {
  std::set<HANDLE> moved;
  for (const RightSpec& spec : specs) {
    if (!CheckSpec(spec, &moved, error))
      return false;
  }
  return true;
}

// Windows has no close-on-exec: a process launched meanwhile inherits a
// handle only if it is marked inheritable and its launcher asks to inherit
// (libuv's spawn does, for every inheritable handle). Clearing the mark is
// the same guarantee; a handle made by libuv or the addon never has it, so
// this is usually a check that each moved handle is still open.
bool MarkMovedFdsCloseOnExec(const std::vector<RightSpec>& specs,
                             Error* error) {
  for (const RightSpec& spec : specs) {
    if (spec.disposition != kMove)
      continue;
    HANDLE handle = NamedHandle(spec);
    DWORD flags = 0;
    if (handle == INVALID_HANDLE_VALUE ||
        !::GetHandleInformation(handle, &flags)) {
      *error =
          Error::Type(codes::kInvalidRight,
                      "handle " + std::to_string(spec.handle) + " is not open");
      return false;
    }
    if ((flags & HANDLE_FLAG_INHERIT) &&
        !::SetHandleInformation(handle, HANDLE_FLAG_INHERIT, 0)) {
      *error = LastWindowsError("SetHandleInformation",
                                "Could not make handle " +
                                    std::to_string(spec.handle) +
                                    " non-inheritable");
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
  // Copies first: a failed copy leaves every moved handle with its caller,
  // and the copies made so far are closed.
  std::vector<ScopedHandle> copies(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].disposition == kCopy &&
        !CopyOf(NamedHandle(specs[i]), &copies[i], error)) {
      return false;
    }
  }
  if (!MarkMovedFdsCloseOnExec(specs, error))
    return false;
  RightsByKey taken;
  for (size_t i = 0; i < specs.size(); ++i) {
    const RightSpec& spec = specs[i];
    std::unique_ptr<Right> right;
    if (spec.disposition == kCopy)
      right = std::make_unique<HandleRight>(std::move(copies[i]), spec);
    else if (spec.payload == RightKind::kFd)
      right = std::make_unique<HandleRight>(spec.handle, spec);
    else
      right = std::make_unique<HandleRight>(
          ScopedHandle(HandleFromValue(spec.handle)), spec);
    taken.emplace_hint(taken.end(), spec.key, std::move(right));
  }
  *rights = std::move(taken);
  return true;
}

}  // namespace rendezvous
