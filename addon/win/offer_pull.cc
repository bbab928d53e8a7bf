// The reader's side of handle offers (win/handle_offers.h): taking a
// frame's handles out of the process that offered them. Synchronous and
// short: the offer pipe is opened without waiting (a busy or missing pipe
// is an error, never a wait), its server's list is read and its byte
// written with bounded waits, and each handle is one DuplicateHandle.
#include <windows.h>

#include <string>
#include <vector>

#include "core/endpoint_name.h"
#include "win/handle_offers.h"
#include "win/host_descriptors.h"
#include "win/pipe_endpoint.h"
#include "win/scoped_handle.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

bool IsCarriedKind(uint32_t kind) {
  switch (static_cast<RightKind>(kind)) {
    case RightKind::kFd:
    case RightKind::kSharedMemory:
    case RightKind::kChannel:
    case RightKind::kHandle:
      return true;
    default:
      return false;
  }
}

Error NotTaken(const OfferRecord& record, const std::string& why) {
  return Error::Make(codes::kBadMessage,
                     "The peer sent a bad message: the handles of a channel "
                     "message could not be taken from process " +
                         std::to_string(record.pid) + ": " + why);
}

Error NotTaken(const OfferRecord& record,
               const char* call,
               DWORD os_error,
               const std::string& what) {
  return NotTaken(
      record, what + ": " + call + " failed: " + WindowsErrorText(os_error));
}

// Opens the offer `record` names, without waiting (a busy or missing pipe
// is an error), and checks that the system's idea of its maker is the pid
// in its name: a pipe made by anyone else under that name is a squatter's.
ScopedHandle OpenOffer(const OfferRecord& record, Error* error) {
  const std::wstring name =
      Widen(ServerEndpointName(kOfferPipePrefix, record.pid, record.nonce));
  // Identification only: the offer's server must not act as this process.
  // Overlapped, so the byte's write below can be bounded.
  ScopedHandle pipe(::CreateFileW(
      name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
      FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
      nullptr));
  if (!pipe) {
    *error = NotTaken(record, "CreateFileW", ::GetLastError(),
                      "its offer cannot be opened (its sender may have "
                      "exited, or it was taken already)");
    return pipe;
  }
  ULONG server_pid = 0;
  if (!::GetNamedPipeServerProcessId(pipe.get(), &server_pid)) {
    *error = NotTaken(record, "GetNamedPipeServerProcessId", ::GetLastError(),
                      "its offer's maker is unknown");
    return ScopedHandle();
  }
  if (server_pid != record.pid) {
    *error = NotTaken(record, "its offer pipe was made by process " +
                                  std::to_string(server_pid));
    return ScopedHandle();
  }
  return pipe;
}

// How long the reader waits for the offer's list, and for its byte to go
// in. A true offer's server writes its list as soon as the reader connects
// and its pipe has room for the byte, so both finish at once; a hostile or
// hung one would otherwise hold the JS thread for good.
constexpr DWORD kOfferIoMs = 500;

// Runs one overlapped read or write on `pipe` (`start` posts it), waiting
// at most kOfferIoMs before cancelling it; true with the bytes moved, else
// false with the error in `*os_error`.
template <typename Start>
bool BoundedIo(HANDLE pipe, Start start, DWORD* moved, DWORD* os_error) {
  ScopedHandle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event) {
    *os_error = ::GetLastError();
    return false;
  }
  OVERLAPPED overlapped{};
  overlapped.hEvent = event.get();
  if (!start(&overlapped)) {
    if (::GetLastError() != ERROR_IO_PENDING) {
      *os_error = ::GetLastError();
      return false;
    }
    if (::WaitForSingleObject(event.get(), kOfferIoMs) != WAIT_OBJECT_0)
      ::CancelIoEx(pipe, &overlapped);
  }
  // Waits for the cancelled one too: its memory is on this stack.
  if (!::GetOverlappedResult(pipe, &overlapped, moved, TRUE)) {
    *os_error = ::GetLastError();
    return false;
  }
  return true;
}

// Reads the list of values and kinds the offer's server says it offers
// (its own, not the frame's word) into `*offered`: the frame's `record`
// with the server's handles. Refuses a list that differs from the frame's
// copy in count, kind or value: the frame named something else than what
// its offer holds (say, this process's own offer with another value, to
// make it duplicate a handle it already owns).
bool ReadOfferList(HANDLE pipe,
                   const OfferRecord& record,
                   OfferRecord* offered,
                   Error* error) {
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (!::SetNamedPipeHandleState(pipe, &mode, nullptr, nullptr)) {
    *error = NotTaken(record, "SetNamedPipeHandleState", ::GetLastError(),
                      "its offer cannot be read");
    return false;
  }
  const size_t expected = record.handles.size() * kOfferedHandleBytes;
  // One byte more, so a longer list is seen as longer.
  std::vector<uint8_t> list(expected + 1);
  DWORD read = 0;
  DWORD os_error = ERROR_SUCCESS;
  const bool ok = BoundedIo(
      pipe,
      [&](OVERLAPPED* overlapped) {
        return ::ReadFile(pipe, list.data(), static_cast<DWORD>(list.size()),
                          nullptr, overlapped);
      },
      &read, &os_error);
  if (!ok && os_error != ERROR_MORE_DATA) {
    *error = NotTaken(record, "ReadFile", os_error,
                      "its offer did not say what it offers in time");
    return false;
  }
  if (!ok || read != expected) {
    *error = NotTaken(record, "the frame names " +
                                  std::to_string(record.handles.size()) +
                                  " handles, its offer holds another number");
    return false;
  }
  offered->pid = record.pid;
  offered->nonce = record.nonce;
  DecodeOfferedHandles(list.data(),
                       static_cast<uint32_t>(record.handles.size()),
                       &offered->handles);
  for (size_t i = 0; i < record.handles.size(); ++i) {
    const OfferedHandle& said = record.handles[i];
    const OfferedHandle& held = offered->handles[i];
    if (said.value != held.value || said.kind != held.kind) {
      *error = NotTaken(record, "the frame names handle " + std::to_string(i) +
                                    " as value " + std::to_string(said.value) +
                                    " of kind " + std::to_string(said.kind) +
                                    ", its offer holds value " +
                                    std::to_string(held.value) + " of kind " +
                                    std::to_string(held.kind));
      return false;
    }
  }
  return true;
}

// Duplicates every offered value out of `sender` into this process.
bool DuplicateAll(const OfferRecord& record,
                  HANDLE sender,
                  std::vector<ScopedHandle>* pulled,
                  Error* error) {
  for (const OfferedHandle& offered : record.handles) {
    HANDLE copy = nullptr;
    // Never DUPLICATE_CLOSE_SOURCE: the sender's copies are its own to
    // close, once this process wrote its byte.
    if (!::DuplicateHandle(
            sender, HandleFromValue(static_cast<int64_t>(offered.value)),
            ::GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
      *error = NotTaken(record, "DuplicateHandle", ::GetLastError(),
                        "value " + std::to_string(offered.value) +
                            " is not a handle it offers");
      return false;  // what was pulled closes with `pulled`
    }
    pulled->emplace_back(copy);
  }
  return true;
}

// Writes the byte that tells the sender to let go; false (with the error)
// if it did not go in.
bool WriteTaken(HANDLE pipe, DWORD* os_error) {
  const uint8_t taken = 1;  // must stay put until the write is over
  DWORD written = 0;
  if (!BoundedIo(
          pipe,
          [&](OVERLAPPED* overlapped) {
            return ::WriteFile(pipe, &taken, 1, nullptr, overlapped);
          },
          &written, os_error)) {
    return false;
  }
  *os_error = ERROR_WRITE_FAULT;
  return written == 1;
}

// The pulled handles as the transport hands them on: a descriptor, which
// travels as the OS handle behind it, becomes one of this host's again.
bool ToReceived(const OfferRecord& record,
                std::vector<ScopedHandle>* pulled,
                ReceivedHandles* handles,
                Error* error) {
  for (size_t i = 0; i < pulled->size(); ++i) {
    ScopedHandle& handle = (*pulled)[i];
    RightKind kind = static_cast<RightKind>(record.handles[i].kind);
    if (kind != RightKind::kFd) {
      handles->emplace_back(HandleValue(handle.release()), kind);
      continue;
    }
    int64_t fd = HostDescriptorFor(handle.get());
    if (fd < 0) {
      handles->clear();
      *error = Error::Make(codes::kSystem,
                           "Could not make a descriptor for a handle a "
                           "channel message carried");
      return false;
    }
    (void)handle.release();  // the descriptor owns it now
    handles->emplace_back(fd, RightKind::kFd);
  }
  return true;
}

}  // namespace

bool PullOfferedHandles(const OfferRecord& record,
                        ReceivedHandles* handles,
                        Error* error) {
  for (const OfferedHandle& offered : record.handles) {
    if (!IsCarriedKind(offered.kind)) {
      *error =
          NotTaken(record, "a handle of kind " + std::to_string(offered.kind) +
                               ", which channels do not carry");
      return false;
    }
  }
  ScopedHandle pipe = OpenOffer(record, error);
  if (!pipe)
    return false;
  // From here on only the server's list is used: the pid check proved who
  // made the pipe, the list says what that process offers under it.
  OfferRecord offered;
  if (!ReadOfferList(pipe.get(), record, &offered, error))
    return false;
  ScopedHandle sender(::OpenProcess(PROCESS_DUP_HANDLE, FALSE, offered.pid));
  if (!sender) {
    *error = NotTaken(record, "OpenProcess", ::GetLastError(),
                      "its sender cannot be opened");
    return false;
  }
  std::vector<ScopedHandle> pulled;
  if (!DuplicateAll(offered, sender.get(), &pulled, error))
    return false;
  // The byte tells the sender to let go. Its server end was still open
  // when this write went in, so the process opened above was the pipe's
  // maker all along (a pid is reused only once its process is gone).
  DWORD os_error = ERROR_SUCCESS;
  if (!WriteTaken(pipe.get(), &os_error)) {
    *error = NotTaken(record, "WriteFile", os_error,
                      "its sender went, or did not take its byte, while "
                      "they were taken");
    return false;
  }
  return ToReceived(offered, &pulled, handles, error);
}

}  // namespace rendezvous
