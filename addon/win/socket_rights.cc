#include "win/socket_rights.h"

#include <cstring>
#include <cwchar>
#include <mutex>
#include <unordered_set>
#include <utility>

#include "core/debug_log.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

// Winsock's own error for the call that failed; WSASYSNOTREADY (and the
// like) when it never started.
int StartWinsock() {
  static std::once_flag once;
  static int result = 0;
  std::call_once(once, [] {
    WSADATA data;
    result = ::WSAStartup(MAKEWORD(2, 2), &data);
  });
  return result;
}

SOCKET SocketOf(HANDLE handle) {
  return reinterpret_cast<SOCKET>(handle);
}

bool IsWideString(const wchar_t* text, size_t capacity) {
  return std::wmemchr(text, L'\0', capacity) != nullptr;
}

}  // namespace

void SocketTraits::Free(SOCKET socket) {
  if (::closesocket(socket) == 0)
    return;
  ProcessDebugLog()("closesocket(%llu) failed: error %d",
                    static_cast<unsigned long long>(socket),
                    ::WSAGetLastError());
}

bool IsSocket(HANDLE handle) {
  if (StartWinsock() != 0)
    return false;
  int type = 0;
  int size = sizeof(type);
  return ::getsockopt(SocketOf(handle), SOL_SOCKET, SO_TYPE,
                      reinterpret_cast<char*>(&type), &size) == 0;
}

bool ExportSocket(HANDLE socket,
                  DWORD target_pid,
                  WSAPROTOCOL_INFOW* info,
                  DWORD* os_error) {
  int started = StartWinsock();
  if (started != 0) {
    *os_error = static_cast<DWORD>(started);
    return false;
  }
  if (::WSADuplicateSocketW(SocketOf(socket), target_pid, info) != 0) {
    *os_error = static_cast<DWORD>(::WSAGetLastError());
    return false;
  }
  return true;
}

bool CopySocket(HANDLE socket, ScopedSocket* copy, Error* error) {
  WSAPROTOCOL_INFOW info;
  DWORD os_error = 0;
  int import_error = 0;
  if (!ExportSocket(socket, ::GetCurrentProcessId(), &info, &os_error)) {
    *error = WindowsError("WSADuplicateSocketW", os_error,
                          "Could not copy a socket");
    return false;
  }
  ScopedSocket made(ImportSocket(info, &import_error));
  if (!made.is_valid()) {
    *error = WindowsError("WSASocketW", static_cast<DWORD>(import_error),
                          "Could not copy a socket");
    return false;
  }
  *copy = std::move(made);
  return true;
}

bool CheckProtocolInfo(const uint8_t* bytes,
                       size_t size,
                       WSAPROTOCOL_INFOW* info,
                       std::string* why) {
  if (size != kProtocolInfoSize) {
    *why = "a socket's protocol information is " + std::to_string(size) +
           " bytes, not " + std::to_string(kProtocolInfoSize);
    return false;
  }
  std::memcpy(info, bytes, kProtocolInfoSize);
  // What WSASocketW reads to choose a provider and make the socket; a
  // value outside these is no socket Winsock's providers describe.
  bool family = info->iAddressFamily == AF_INET ||
                info->iAddressFamily == AF_INET6 ||
                info->iAddressFamily == AF_UNIX;
  bool type =
      info->iSocketType == SOCK_STREAM || info->iSocketType == SOCK_DGRAM ||
      info->iSocketType == SOCK_RAW || info->iSocketType == SOCK_SEQPACKET;
  if (!family || !type) {
    *why = "a socket's protocol information names family " +
           std::to_string(info->iAddressFamily) + " and type " +
           std::to_string(info->iSocketType);
    return false;
  }
  if (info->ProtocolChain.ChainLen < 0 ||
      info->ProtocolChain.ChainLen > MAX_PROTOCOL_CHAIN ||
      !IsWideString(info->szProtocol, WSAPROTOCOL_LEN + 1)) {
    *why = "a socket's protocol information is malformed";
    return false;
  }
  return true;
}

SOCKET ImportSocket(const WSAPROTOCOL_INFOW& info, int* os_error) {
  int started = StartWinsock();
  if (started != 0) {
    *os_error = started;
    return INVALID_SOCKET;
  }
  WSAPROTOCOL_INFOW copy = info;  // WSASocketW takes a non-const pointer
  SOCKET socket =
      ::WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
                   &copy, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (socket == INVALID_SOCKET)
    *os_error = ::WSAGetLastError();
  return socket;
}

namespace {

std::mutex received_sockets_lock;
std::unordered_set<uint64_t>& ReceivedSockets() {
  static auto* sockets = new std::unordered_set<uint64_t>();
  return *sockets;
}

}  // namespace

void RememberReceivedSocket(SOCKET socket) {
  std::lock_guard<std::mutex> hold(received_sockets_lock);
  ReceivedSockets().insert(static_cast<uint64_t>(socket));
}

bool ForgetReceivedSocket(int64_t value) {
  std::lock_guard<std::mutex> hold(received_sockets_lock);
  return ReceivedSockets().erase(static_cast<uint64_t>(value)) > 0;
}

}  // namespace rendezvous
