// Sockets as rights. Winsock's documented way to give a socket to another
// process is WSADuplicateSocketW in the sender, which fills a
// WSAPROTOCOL_INFOW for one target pid, and WSASocketW(FROM_PROTOCOL_INFO)
// in the receiver. It is the only way that works when a layered service
// provider sits above the base one: DuplicateHandle copies the kernel
// object, but not the provider's state for it.
//
// Thread use: any thread. Winsock is started once per process, on first
// use, and never stopped (the host has started it too; the count is shared).
#ifndef ADDON_WIN_SOCKET_RIGHTS_H_
#define ADDON_WIN_SOCKET_RIGHTS_H_

// Before windows.h, which would bring in the older winsock.h.
#include <winsock2.h>

#include <windows.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/scoped_generic.h"

namespace rendezvous {

inline constexpr size_t kProtocolInfoSize = sizeof(WSAPROTOCOL_INFOW);

struct SocketTraits {
  static SOCKET InvalidValue() { return INVALID_SOCKET; }
  static void Free(SOCKET socket);
};
// Owns one socket and closes it with closesocket. Move-only.
using ScopedSocket = ScopedGeneric<SOCKET, SocketTraits>;

// Whether `handle` is a socket. getsockopt(SO_TYPE) asks Winsock, which
// answers from the provider's own state for a socket and fails with
// WSAENOTSOCK for any other object (a file, a pipe, an event, a section):
// only sockets have a socket type. It changes nothing, so it is safe on a
// handle of any kind. False also when Winsock cannot start.
bool IsSocket(HANDLE handle);

// A copy of `socket` owned by this process (WSADuplicateSocketW for this
// process, then WSASocketW), as a caller's `copy` disposition needs.
bool CopySocket(HANDLE socket, ScopedSocket* copy, Error* error);

// Fills `info` so that process `target_pid`, and only it, can make its own
// socket for `socket` with ImportSocket. `socket` stays open here.
bool ExportSocket(HANDLE socket,
                  DWORD target_pid,
                  WSAPROTOCOL_INFOW* info,
                  DWORD* os_error);

// Checks a WSAPROTOCOL_INFOW received as bytes (its size, version, family,
// type and strings) before Winsock is given it; says why not in `why`.
bool CheckProtocolInfo(const uint8_t* bytes,
                       size_t size,
                       WSAPROTOCOL_INFOW* info,
                       std::string* why);

// This process's socket for a checked `info`: overlapped (as libuv and
// most callers need) and not inheritable (no process launched later gets
// it). INVALID_SOCKET on failure, with Winsock's error in `os_error`.
SOCKET ImportSocket(const WSAPROTOCOL_INFOW& info, int* os_error);

// The sockets ImportSocket made for a rendezvous reply, so that one this
// process gives up unclaimed is closed with closesocket without asking
// Winsock about every other handle released (a probe of a handle whose
// file has a synchronous read pending elsewhere can block). A socket taken
// by the caller stays listed; its number, if reused, is told apart when
// closesocket says it is no socket.
void RememberReceivedSocket(SOCKET socket);
// Whether `value` was listed (it is no longer).
bool ForgetReceivedSocket(int64_t value);

}  // namespace rendezvous

#endif  // ADDON_WIN_SOCKET_RIGHTS_H_
