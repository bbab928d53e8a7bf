// Handles as rights: `move` hands the caller's descriptor or handle to the
// server (closed once the child has its own, or when the child dies
// unclaimed), `copy` has the server hold a duplicate made at registration.
// A socket's duplicate is made by Winsock, and the server closes a socket it
// owns with closesocket.
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
#include "win/socket_rights.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

// What a spec's handle is to the child: a socket is always a handle
// (RightKind::kHandle), even one named by a descriptor, since the child's
// socket is made by Winsock and no C runtime descriptor owns it.
RightKind KindFor(const RightSpec& spec, bool socket) {
  return socket ? RightKind::kHandle : spec.payload;
}

class HandleRight : public AdoptedRight {
 public:
  // Owns `handle`: a duplicate, or a raw handle the caller moved.
  HandleRight(ScopedHandle handle, const RightSpec& spec)
      : AdoptedRight(spec.payload, spec.byte_length, spec.disposition == kMove),
        handle_(std::move(handle)) {}
  // Owns `socket`: a copy made by Winsock, or a raw socket the caller moved.
  HandleRight(ScopedSocket socket, const RightSpec& spec)
      : AdoptedRight(RightKind::kHandle, 0, spec.disposition == kMove),
        socket_(std::move(socket)) {}
  // Owns the host descriptor `fd`, which the caller moved (its handle may
  // be a socket: the descriptor owns it all the same).
  HandleRight(int64_t fd, const RightSpec& spec, bool socket)
      : AdoptedRight(KindFor(spec, socket), 0, true),
        host_fd_(fd),
        fd_is_socket_(socket) {}
  ~HandleRight() override { CloseHostDescriptor(host_fd_); }

  HANDLE source() const {
    if (host_fd_ >= 0)
      return HostOsHandleOf(host_fd_);
    if (socket_.is_valid())
      return reinterpret_cast<HANDLE>(socket_.get());
    return handle_.get();
  }
  bool is_socket() const { return socket_.is_valid() || fd_is_socket_; }
  // What the caller moved is its own again, open; a copy is the server's
  // duplicate and is closed.
  void ReturnToCaller() override {
    if (!moved())
      return;
    host_fd_ = -1;
    (void)handle_.release();
    (void)socket_.release();
  }

 private:
  ScopedHandle handle_;
  ScopedSocket socket_;
  int64_t host_fd_ = -1;
  bool fd_is_socket_ = false;
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

bool IsSocketRight(const Right& right) {
  return static_cast<const HandleRight&>(right).is_socket();
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
  // and the copies made so far are closed. Which handles are sockets is
  // decided once, here.
  std::vector<bool> sockets(specs.size());
  std::vector<ScopedHandle> copies(specs.size());
  std::vector<ScopedSocket> socket_copies(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    HANDLE named = NamedHandle(specs[i]);
    sockets[i] = IsSocket(named);
    if (specs[i].disposition != kCopy)
      continue;
    if (sockets[i] ? !CopySocket(named, &socket_copies[i], error)
                   : !CopyOf(named, &copies[i], error)) {
      return false;
    }
  }
  if (!MarkMovedFdsCloseOnExec(specs, error))
    return false;
  RightsByKey taken;
  for (size_t i = 0; i < specs.size(); ++i) {
    const RightSpec& spec = specs[i];
    bool is_fd = spec.payload == RightKind::kFd;
    std::unique_ptr<Right> right;
    if (spec.disposition == kCopy && sockets[i])
      right = std::make_unique<HandleRight>(std::move(socket_copies[i]), spec);
    else if (spec.disposition == kCopy)
      right = std::make_unique<HandleRight>(std::move(copies[i]), spec);
    else if (is_fd)
      right = std::make_unique<HandleRight>(spec.handle, spec, sockets[i]);
    else if (sockets[i])
      right = std::make_unique<HandleRight>(
          ScopedSocket(reinterpret_cast<SOCKET>(HandleFromValue(spec.handle))),
          spec);
    else
      right = std::make_unique<HandleRight>(
          ScopedHandle(HandleFromValue(spec.handle)), spec);
    taken.emplace_hint(taken.end(), spec.key, std::move(right));
  }
  *rights = std::move(taken);
  return true;
}

}  // namespace rendezvous
