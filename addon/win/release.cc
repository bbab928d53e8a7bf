// How this process gives up a handle it owns (core/seam/release.h).
#include "core/seam/release.h"

#include "win/host_descriptors.h"
#include "win/scoped_handle.h"
#include "win/socket_rights.h"

namespace rendezvous {

void ReleaseReceivedRight(int64_t handle, RightKind kind) {
  if (kind == RightKind::kFd) {
    // A host descriptor: closing it closes the handle it owns.
    CloseHostDescriptor(handle);
    return;
  }
  if (handle <= 0)
    return;
  // A socket a rendezvous gave us (WSASocketW) is Winsock's to close: a
  // layered provider keeps state for it that CloseHandle would leak. If its
  // number now names something else, closesocket says so and leaves it.
  if (kind == RightKind::kHandle && ForgetReceivedSocket(handle)) {
    SOCKET socket = static_cast<SOCKET>(handle);
    if (::closesocket(socket) == 0 || ::WSAGetLastError() != WSAENOTSOCK)
      return;
  }
  ScopedHandle(HandleFromValue(handle)).reset();
}

}  // namespace rendezvous
