// Making and adopting channel ends on Windows. A pair is one instance of a
// message-mode named pipe with an unguessable name, opened at once by this
// process: FILE_FLAG_FIRST_PIPE_INSTANCE makes creation fail if anyone else
// holds the name, the single instance leaves no second one to connect to,
// and its DACL admits only this process's user (and only local clients).
#include <string>

#include "core/channel_transport.h"
#include "core/endpoint_name.h"
#include "win/owner_only_security.h"
#include "win/pipe_channel.h"
#include "win/pipe_endpoint.h"
#include "win/scoped_handle.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

constexpr char kPipePrefix[] = "\\\\.\\pipe\\electron-port-rendezvous.Channel";

// NtQueryInformationFile's FileModeInformation (16): a handle opened for
// synchronous I/O would make every overlapped call on it block.
bool IsOpenedOverlapped(HANDLE handle) {
  using QueryFunction = LONG(WINAPI*)(HANDLE, void*, void*, ULONG, int);
  static const QueryFunction query =
      reinterpret_cast<QueryFunction>(reinterpret_cast<void*>(::GetProcAddress(
          ::GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationFile")));
  constexpr ULONG kSynchronousIo = 0x10 | 0x20;  // FILE_SYNCHRONOUS_IO_*
  struct {
    LONG_PTR status;
    ULONG_PTR information;
  } io_status{};
  ULONG mode = 0;
  if (query == nullptr || query(handle, &io_status, &mode, sizeof mode, 16) < 0)
    return false;
  return (mode & kSynchronousIo) == 0;
}

Error NotAChannelEnd(const std::string& why) {
  return Error::Make(codes::kInvalidRight,
                     "The handle is not a channel end (a message-mode pipe "
                     "opened for overlapped I/O): " +
                         why);
}

}  // namespace

bool CreateChannelPair(OwnedHandle* first, OwnedHandle* second, Error* error) {
  EndpointNonce nonce;
  if (!RandomPipeNonce(&nonce, "Could not name a channel", error))
    return false;
  const std::wstring name =
      Widen(ServerEndpointName(kPipePrefix, ::GetCurrentProcessId(), nonce));
  OwnerOnlySecurity security;
  if (!security.Init(error))
    return false;
  ScopedHandle server(::CreateNamedPipeW(
      name.c_str(),
      PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
      PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
          PIPE_REJECT_REMOTE_CLIENTS,
      1, kPipeFrameBytes, kPipeFrameBytes, 0, security.attributes()));
  if (!server) {
    *error = LastWindowsError("CreateNamedPipeW", "Could not create a channel");
    return false;
  }
  // Identification only: the pipe's server end may one day be another
  // process's, which must not act as this one.
  ScopedHandle client(::CreateFileW(
      name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
      FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
      nullptr));
  if (!client) {
    *error = LastWindowsError("CreateFileW", "Could not connect a channel");
    return false;
  }
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (!::SetNamedPipeHandleState(client.get(), &mode, nullptr, nullptr)) {
    *error = LastWindowsError("SetNamedPipeHandleState",
                              "Could not set a channel to messages");
    return false;
  }
  *first = OwnedHandle(HandleValue(server.release()), RightKind::kChannel);
  *second = OwnedHandle(HandleValue(client.release()), RightKind::kChannel);
  return true;
}

std::unique_ptr<ChannelTransport> AdoptChannelEnd(OwnedHandle handle,
                                                  Error* error) {
  ScopedHandle pipe(HandleFromValue(handle.release()));
  if (!pipe || ::GetFileType(pipe.get()) != FILE_TYPE_PIPE) {
    *error = NotAChannelEnd("not a pipe");
    return nullptr;
  }
  DWORD flags = 0;
  if (!::GetNamedPipeInfo(pipe.get(), &flags, nullptr, nullptr, nullptr) ||
      (flags & PIPE_TYPE_MESSAGE) == 0) {
    *error = NotAChannelEnd("not a message-mode named pipe");
    return nullptr;
  }
  if (!IsOpenedOverlapped(pipe.get())) {
    *error = NotAChannelEnd("opened for synchronous I/O");
    return nullptr;
  }
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (!::SetNamedPipeHandleState(pipe.get(), &mode, nullptr, nullptr)) {
    *error = NotAChannelEnd("its read mode cannot be set to messages (" +
                            WindowsErrorText(::GetLastError()) + ")");
    return nullptr;
  }
  return NewPipeChannel(std::move(pipe), error);
}

std::unique_ptr<SharedMemoryMapping> MapOutOfLineBody(OwnedHandle* /*body*/,
                                                      uint64_t /*size*/,
                                                      Error* error) {
  // out_of_line_threshold() is 0 here: bodies travel in frames only, so a
  // peer announcing one sent a frame this end never asked for.
  *error = Error::Make(codes::kBadMessage,
                       "Channels on Windows carry no out-of-line bodies");
  return nullptr;
}

}  // namespace rendezvous
