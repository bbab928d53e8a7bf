// The server's replies (ReplyTransport): who may be answered, and the
// reply itself, with each right duplicated into the child (a socket
// exported for it instead: see socket_rights.h).
#include <utility>
#include <vector>

#include "win/exit_watch.h"
#include "win/handle_right.h"
#include "win/reply_frame.h"
#include "win/server.h"
#include "win/socket_rights.h"

namespace rendezvous {

namespace {

// How long a reply's write may wait for room in the pipe.
constexpr DWORD kWriteTimeoutMs = 1000;

// Closes, in `child`, handles duplicated into it for a reply it never got.
// A socket exported for the child has no handle there to close until the
// child makes one: it stays the child's, unnamed, until the child exits
// (WSADuplicateSocketW has no undo).
void CloseInChild(HANDLE child, const std::vector<ReplySlot>& slots) {
  for (const ReplySlot& slot : slots) {
    if (slot.value == kSocketSlot)
      continue;
    ::DuplicateHandle(child, HandleFromValue(static_cast<int64_t>(slot.value)),
                      nullptr, nullptr, 0, FALSE, DUPLICATE_CLOSE_SOURCE);
  }
}

// The child's share of one right: a handle of its own, or, for a socket,
// the protocol information it makes its own socket from. The pid is the
// one the exit watch's process handle pins, so the socket can be made only
// by the process the rendezvous verified.
bool GiveToChild(const Right& right,
                 HANDLE child,
                 ReplySlot* slot,
                 DWORD* error,
                 const char** what) {
  if (IsSocketRight(right)) {
    WSAPROTOCOL_INFOW info;
    if (!ExportSocket(SourceHandleOf(right), ::GetProcessId(child), &info,
                      error)) {
      *what = "a socket could not be exported to the child";
      return false;
    }
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&info);
    slot->value = kSocketSlot;
    slot->protocol_info.assign(bytes, bytes + sizeof(info));
    return true;
  }
  HANDLE value = nullptr;
  if (!::DuplicateHandle(::GetCurrentProcess(), SourceHandleOf(right), child,
                         &value, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    *error = ::GetLastError();
    *what = "a handle could not be duplicated into the child";
    return false;
  }
  slot->value = static_cast<uint64_t>(HandleValue(value));
  return true;
}

}  // namespace

bool WinServer::IsBoundProcess(uint64_t id, const ClaimedRights& claimed) {
  auto it = connections_.find(id);
  // Both handles were opened while the pid was held by a live process; if
  // both processes are alive now, the system has not given the pid to
  // another, so they are one.
  return it != connections_.end() && claimed.exit_watch &&
         !ProcessHasExited(it->second->process.get()) &&
         !claimed.exit_watch->HasExited();
}

SendOutcome WinServer::Send(uint64_t id, ClaimedRights& claimed) {
  auto it = connections_.find(id);
  if (it == connections_.end())
    return SendOutcome{SendResult::kRefused, ERROR_BROKEN_PIPE, ""};
  HANDLE child =
      claimed.exit_watch ? ProcessOfWatch(*claimed.exit_watch) : nullptr;
  if (!claimed.rights.empty() && !child)
    return SendOutcome{SendResult::kRefused, ERROR_INVALID_HANDLE, ""};
  // The child's own handles, made now: the server keeps its own until the
  // reply is written, and releases them with the claim after it.
  std::vector<ReplySlot> slots;
  for (const auto& entry : claimed.rights) {
    ReplySlot slot;
    DWORD error = ERROR_SUCCESS;
    const char* what = "";
    if (!GiveToChild(*entry.second, child, &slot, &error, &what)) {
      CloseInChild(child, slots);
      return SendOutcome{SendResult::kRefused, static_cast<int>(error), what};
    }
    slots.push_back(std::move(slot));
  }
  DWORD error = ERROR_SUCCESS;
  if (!WriteReply(it->second->pipe.get(),
                  EncodeReplyFrame(wire::EntriesOf(claimed.rights), slots),
                  &error)) {
    // The child never learns the values: they are closed in it, so nothing
    // was taken and the rights can wait for another try or the child's exit.
    CloseInChild(child, slots);
    return SendOutcome{SendResult::kRefused, static_cast<int>(error), ""};
  }
  it->second->stage = Stage::kAnswered;
  return SendOutcome{};
}

bool WinServer::WriteReply(HANDLE pipe,
                           const std::vector<uint8_t>& frame,
                           DWORD* error) {
  // WriteFile makes the event non-signaled as it begins.
  OVERLAPPED write{};
  write.hEvent = write_done_.get();
  DWORD written = 0;
  if (!::WriteFile(pipe, frame.data(), static_cast<DWORD>(frame.size()),
                   nullptr, &write)) {
    *error = ::GetLastError();
    if (*error != ERROR_IO_PENDING)
      return false;
    // The pipe's buffer holds the largest reply; a write waits only while a
    // client leaves a reply unread, and then not for long.
    if (::WaitForSingleObject(write_done_.get(), kWriteTimeoutMs) !=
        WAIT_OBJECT_0) {
      ::CancelIoEx(pipe, &write);
    }
  }
  // Waits for the write (or its cancellation) to be over: `write` is ours.
  if (!::GetOverlappedResult(pipe, &write, &written, TRUE)) {
    *error = ::GetLastError();
    return false;
  }
  if (written != frame.size()) {
    *error = ERROR_WRITE_FAULT;
    return false;
  }
  return true;
}

void WinServer::Finish(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end())
    return;
  Instance& instance = *it->second;
  if (instance.stage != Stage::kAnswered) {
    DropConnection(id, nullptr);
    return;
  }
  // Kept until the client, having read its reply, closes its end (or the
  // read timeout passes): the reply is never discarded unread.
  policy_.Forget(id);
  instance.deadline = Clock::now() + config_.limits.request_read_timeout;
}

}  // namespace rendezvous
