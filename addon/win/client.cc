// The child's side of the rendezvous: one connection to the parent's pipe,
// one request, one reply whose handle values (and sockets' protocol
// information) are checked before any is taken as this process's own.
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <utility>

#include "core/seam/client.h"
#include "win/host_descriptors.h"
#include "win/pipe_endpoint.h"
#include "win/reply_frame.h"
#include "win/scoped_handle.h"
#include "win/socket_rights.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

using Clock = std::chrono::steady_clock;

DWORD MillisecondsLeft(Clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<DWORD>(std::max<int64_t>(left.count(), 0));
}

// Connects to the server's pipe before `deadline`. While every instance is
// busy (the server is between two), waits for one to listen again.
bool ConnectToServer(const ClientConfig& config,
                     Clock::time_point deadline,
                     ScopedHandle* connected,
                     Error* error) {
  std::wstring name = Widen(config.endpoint);
  for (;;) {
    // Identification only: the server may learn who we are, never act as us.
    ScopedHandle pipe(::CreateFileW(
        name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
        FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
        nullptr));
    if (pipe.is_valid()) {
      *connected = std::move(pipe);
      return true;
    }
    DWORD os_error = ::GetLastError();
    if (os_error == ERROR_FILE_NOT_FOUND) {
      *error = WindowsError("CreateFileW", os_error,
                            "No rendezvous server at " + config.endpoint,
                            codes::kNoServer);
      return false;
    }
    if (os_error != ERROR_PIPE_BUSY) {
      *error = WindowsError("CreateFileW", os_error, "Rendezvous failed");
      return false;
    }
    DWORD left = MillisecondsLeft(deadline);
    if (left == 0 || !::WaitNamedPipeW(name.c_str(), left)) {
      DWORD wait_error = left == 0 ? ERROR_SEM_TIMEOUT : ::GetLastError();
      if (wait_error == ERROR_FILE_NOT_FOUND) {
        *error = WindowsError("WaitNamedPipeW", wait_error,
                              "No rendezvous server at " + config.endpoint,
                              codes::kNoServer);
      } else {
        *error = WindowsError("WaitNamedPipeW", wait_error, "Rendezvous failed",
                              codes::kTimeout);
      }
      return false;
    }
  }
}

// The system records which process created the pipe; only the parent that
// launched us may hand us rights.
bool CheckServerIsParent(HANDLE pipe,
                         const ClientConfig& config,
                         Error* error) {
  ULONG server_pid = 0;
  if (!::GetNamedPipeServerProcessId(pipe, &server_pid)) {
    *error =
        LastWindowsError("GetNamedPipeServerProcessId", "Rendezvous failed");
    return false;
  }
  if (static_cast<int64_t>(server_pid) != config.expected_server_pid) {
    config.log("refusing server pid %lu: expected parent %lld", server_pid,
               static_cast<long long>(config.expected_server_pid));
    *error = Error::Make(codes::kNotParent,
                         "The rendezvous server is process " +
                             std::to_string(server_pid) +
                             ", not this process's parent " +
                             std::to_string(config.expected_server_pid));
    return false;
  }
  return true;
}

// One overlapped read or write, over by `deadline` (then cancelled).
// Returns the system's error, ERROR_SUCCESS, or WAIT_TIMEOUT.
DWORD Transfer(HANDLE pipe,
               HANDLE event,
               bool write,
               void* data,
               DWORD size,
               Clock::time_point deadline,
               DWORD* done) {
  // ReadFile and WriteFile make the event non-signaled as they begin.
  OVERLAPPED overlapped{};
  overlapped.hEvent = event;
  BOOL ok = write ? ::WriteFile(pipe, data, size, nullptr, &overlapped)
                  : ::ReadFile(pipe, data, size, nullptr, &overlapped);
  bool timed_out = false;
  if (!ok) {
    DWORD os_error = ::GetLastError();
    if (os_error != ERROR_IO_PENDING && os_error != ERROR_MORE_DATA)
      return os_error;
    if (os_error == ERROR_IO_PENDING &&
        ::WaitForSingleObject(event, MillisecondsLeft(deadline)) !=
            WAIT_OBJECT_0) {
      ::CancelIoEx(pipe, &overlapped);
      timed_out = true;
    }
  }
  // Waits until the operation is over, so `overlapped` and `data` are ours.
  if (!::GetOverlappedResult(pipe, &overlapped, done, TRUE)) {
    DWORD os_error = ::GetLastError();
    return timed_out && os_error == ERROR_OPERATION_ABORTED ? WAIT_TIMEOUT
                                                            : os_error;
  }
  return ERROR_SUCCESS;
}

Error TransferError(const char* call, DWORD os_error, const char* what) {
  if (os_error == WAIT_TIMEOUT)
    return WindowsError(call, ERROR_SEM_TIMEOUT, what, codes::kTimeout);
  if (os_error == ERROR_BROKEN_PIPE || os_error == ERROR_PIPE_NOT_CONNECTED) {
    // As when the server stopped, or dropped this request, unanswered.
    return Error::Make(codes::kNoReply,
                       "The rendezvous server closed without replying");
  }
  if (os_error == ERROR_MORE_DATA)
    return Error::Make(codes::kBadReply, "Rendezvous reply is too large");
  return WindowsError(call, os_error, what);
}

bool IsReceivableKind(RightKind kind) {
  return kind == RightKind::kFd || kind == RightKind::kHandle ||
         kind == RightKind::kSharedMemory || kind == RightKind::kChannel;
}

// Whether `value` names a handle this process holds that the reply may
// name: open, not one of the rendezvous's own, of a file-like kind for a
// descriptor. It names nothing else yet: the server has not told us.
bool IsPlausibleHandle(uint64_t value,
                       RightKind kind,
                       HANDLE pipe,
                       HANDLE event) {
  if (value == 0 || (value & 3) != 0 || value > 0x7fffffff)
    return false;
  HANDLE handle = HandleFromValue(static_cast<int64_t>(value));
  if (handle == pipe || handle == event)
    return false;
  if (kind != RightKind::kFd) {
    DWORD flags;
    return ::GetHandleInformation(handle, &flags);
  }
  // One call for a descriptor, which must be a file, a pipe or a console:
  // GetFileType says FILE_TYPE_UNKNOWN for a closed handle and for an open
  // one of no file kind (an event, a process), which no C runtime
  // descriptor can stand for.
  return ::GetFileType(handle) != FILE_TYPE_UNKNOWN;
}

// A reply that is wrong anywhere is refused whole. What it named that is
// open is closed: only the parent, which can already close any of our
// handles (it holds PROCESS_DUP_HANDLE on us), could have put it there. A
// socket it exported for us is made and closed if its protocol information
// is sound, so that it does not stay ours, unnamed, until we exit.
void CloseNamed(const std::vector<ReplySlot>& slots,
                HANDLE pipe,
                HANDLE event) {
  std::set<uint64_t> closed;
  for (const ReplySlot& slot : slots) {
    if (slot.value == kSocketSlot) {
      WSAPROTOCOL_INFOW info;
      std::string why;
      int os_error = 0;
      if (CheckProtocolInfo(slot.protocol_info.data(),
                            slot.protocol_info.size(), &info, &why))
        ScopedSocket(ImportSocket(info, &os_error)).reset();
      continue;
    }
    if (closed.insert(slot.value).second &&
        IsPlausibleHandle(slot.value, RightKind::kHandle, pipe, event)) {
      ::CloseHandle(HandleFromValue(static_cast<int64_t>(slot.value)));
    }
  }
}

Error BadReply(const std::string& why) {
  return Error::Make(codes::kBadReply, "Malformed rendezvous reply: " + why);
}

// Whether entry `entry`'s slot is sound; says why not. A socket comes only
// as a handle right, with protocol information Winsock can be given.
bool CheckSlot(const wire::ReplyEntry& entry,
               const ReplySlot& slot,
               HANDLE pipe,
               HANDLE event,
               std::set<uint64_t>* seen,
               std::string* why) {
  if (!IsReceivableKind(entry.kind)) {
    *why = "a Windows reply carries no Mach rights";
    return false;
  }
  if (slot.value == kSocketSlot) {
    WSAPROTOCOL_INFOW info;
    if (entry.kind != RightKind::kHandle) {
      *why = "a socket is given as a right that is not a handle";
      return false;
    }
    return CheckProtocolInfo(slot.protocol_info.data(),
                             slot.protocol_info.size(), &info, why);
  }
  if (!seen->insert(slot.value).second) {
    *why = "a handle value is given twice";
    return false;
  }
  if (!IsPlausibleHandle(slot.value, entry.kind, pipe, event)) {
    *why = "handle value " + std::to_string(slot.value) +
           " names no handle the server gave";
    return false;
  }
  return true;
}

// This process's own value for a checked slot: the handle, a host
// descriptor for a descriptor's handle, or a socket made from its protocol
// information. -1 on failure, said in `error`; the slot is then closed.
int64_t TakeSlot(const wire::ReplyEntry& entry,
                 const ReplySlot& slot,
                 Error* error) {
  if (slot.value == kSocketSlot) {
    WSAPROTOCOL_INFOW info;
    std::string why;
    int os_error = 0;
    CheckProtocolInfo(slot.protocol_info.data(), slot.protocol_info.size(),
                      &info, &why);
    SOCKET socket = ImportSocket(info, &os_error);
    if (socket == INVALID_SOCKET) {
      *error =
          WindowsError("WSASocketW", static_cast<DWORD>(os_error),
                       "A received socket could not be made", codes::kBadReply);
      return -1;
    }
    RememberReceivedSocket(socket);
    return HandleValue(reinterpret_cast<HANDLE>(socket));
  }
  int64_t value = static_cast<int64_t>(slot.value);
  if (entry.kind != RightKind::kFd)
    return value;
  int64_t fd = HostDescriptorFor(HandleFromValue(value));
  if (fd < 0) {
    ::CloseHandle(HandleFromValue(value));
    *error = Error::Make(codes::kSystem,
                         "A received handle could not become a file "
                         "descriptor");
  }
  return fd;
}

// Checks the whole reply, then hands each handle to `rights`: a descriptor
// becomes one of the host's, a socket one of this process's sockets,
// everything else stays a handle.
bool TakeReplyRights(const uint8_t* frame,
                     size_t size,
                     HANDLE pipe,
                     HANDLE event,
                     std::vector<ReceivedRight>* rights,
                     Error* error) {
  std::vector<wire::ReplyEntry> entries;
  std::vector<ReplySlot> slots;
  std::string why;
  bool ok = DecodeReplyFrame(frame, size, &entries, &slots, &why);
  std::set<uint64_t> seen;
  for (size_t i = 0; ok && i < entries.size(); ++i)
    ok = CheckSlot(entries[i], slots[i], pipe, event, &seen, &why);
  if (!ok) {
    CloseNamed(slots, pipe, event);
    *error = BadReply(why);
    return false;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    int64_t value = TakeSlot(entries[i], slots[i], error);
    if (value < 0) {
      CloseNamed(std::vector<ReplySlot>(slots.begin() + i + 1, slots.end()),
                 pipe, event);
      rights->clear();  // releases the ones already taken
      return false;
    }
    rights->push_back(ReceivedRight{
        entries[i].key,
        OwnedHandle(value, entries[i].kind, entries[i].byte_length)});
  }
  return true;
}

}  // namespace

bool PerformRendezvous(const ClientConfig& config,
                       std::vector<ReceivedRight>* rights,
                       Error* error) {
  rights->clear();
  if (!IsPipeEndpoint(config.endpoint)) {
    *error = Error::Make(codes::kBadEndpoint,
                         "'" + config.endpoint +
                             "' is not a rendezvous endpoint on this platform");
    return false;
  }
  ScopedHandle pipe;
  if (!ConnectToServer(config, Clock::now() + config.timeout, &pipe, error) ||
      !CheckServerIsParent(pipe.get(), config, error)) {
    return false;
  }
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (!::SetNamedPipeHandleState(pipe.get(), &mode, nullptr, nullptr)) {
    *error = LastWindowsError("SetNamedPipeHandleState", "Rendezvous failed");
    return false;
  }
  // One event per thread for every rendezvous it makes: each waits for its
  // own I/O only, one operation at a time, and is over before it returns.
  thread_local ScopedHandle event;
  if (!event.is_valid())
    event = ScopedHandle(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event.is_valid()) {
    *error = LastWindowsError("CreateEventW", "Rendezvous failed");
    return false;
  }
  std::vector<uint8_t> request = wire::EncodeRequest();
  DWORD done = 0;
  DWORD os_error = Transfer(pipe.get(), event.get(), true, request.data(),
                            static_cast<DWORD>(request.size()),
                            Clock::now() + config.timeout, &done);
  if (os_error != ERROR_SUCCESS) {
    *error = TransferError("WriteFile", os_error, "Rendezvous request failed");
    return false;
  }
  // One byte more than the largest valid reply, so an oversized one shows.
  std::vector<uint8_t> reply(MaxReplyFrameSize() + 1);
  os_error = Transfer(pipe.get(), event.get(), false, reply.data(),
                      static_cast<DWORD>(reply.size()),
                      Clock::now() + config.timeout, &done);
  if (os_error != ERROR_SUCCESS) {
    *error = TransferError("ReadFile", os_error, "No rendezvous reply");
    return false;
  }
  if (done == 0) {
    *error = Error::Make(codes::kNoReply,
                         "The rendezvous server closed without replying");
    return false;
  }
  if (!TakeReplyRights(reply.data(), done, pipe.get(), event.get(), rights,
                       error)) {
    return false;
  }
  config.log("received %zu rights from pid %lld", rights->size(),
             static_cast<long long>(config.expected_server_pid));
  return true;
}

}  // namespace rendezvous
