// One overlapped operation on a handle and the memory the kernel writes its
// result to, which must stay put until it completes.
//
// Thread use: the owner's thread; only the event is touched elsewhere (a
// thread-pool wait on it).
#ifndef ADDON_WIN_OVERLAPPED_IO_H_
#define ADDON_WIN_OVERLAPPED_IO_H_

#include <windows.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"
#include "win/scoped_handle.h"

namespace rendezvous {

class OverlappedOp {
 public:
  // `auto_reset`: the event is for a thread-pool wait, which then sees one
  // signal per completion. A manual-reset one is for waiting in place.
  explicit OverlappedOp(bool auto_reset);
  OverlappedOp(const OverlappedOp&) = delete;
  OverlappedOp& operator=(const OverlappedOp&) = delete;

  bool ok() const { return event_.is_valid(); }
  HANDLE event() const { return event_.get(); }
  // Ready for ReadFile/WriteFile: zeroed, with the event.
  OVERLAPPED* Begin();
  OVERLAPPED* overlapped() { return &overlapped_; }

  bool outstanding() const { return outstanding_; }
  void set_outstanding(bool outstanding) { outstanding_ = outstanding; }
  bool completed() const {
    return !outstanding_ || HasOverlappedIoCompleted(&overlapped_);
  }
  // Takes the result of a completed operation (outstanding() is then
  // false): whether it succeeded, with the bytes moved, else the error in
  // `*os_error`.
  bool TakeResult(HANDLE file, DWORD* bytes, DWORD* os_error);
  // The error a completed outstanding operation ended with, without taking
  // its result (ERROR_SUCCESS if it succeeded or is not done).
  DWORD PeekError(HANDLE file);
  // Waits for an outstanding operation to finish, whoever else waits on its
  // event, and takes its result as TakeResult does.
  bool Finish(HANDLE file, DWORD* bytes, DWORD* os_error);
  // Cancels an outstanding operation and waits until the kernel is done
  // with it, so its memory can go.
  void CancelAndWait(HANDLE file);

 private:
  OVERLAPPED overlapped_{};
  ScopedHandle event_;
  bool outstanding_ = false;
};

// A write and the bytes it sends, which must stay put while it is pending.
struct WriteSlot {
  explicit WriteSlot(size_t capacity) : buffer(capacity) {}
  OverlappedOp op{true};
  std::vector<uint8_t> buffer;
  // The end itself, where it is being closed: it stays open until the write
  // finishes, since closing a pipe cancels what is still being written.
  ScopedHandle close_when_written;
};

// Keeps this addon's DLL mapped until the process exits; call before
// handing the thread pool a callback of this module. Node unloads an addon
// a Worker loaded when that Worker's environment is destroyed, and a wait
// registered here (an offer's, a write left to finish) may fire after
// that: its callback would run in unmapped code. Once pinned, a later
// FreeLibrary leaves it mapped.
void PinThisModule();

// Lets a pending write finish after its end leaves this process's hands (a
// handle given to another process keeps the pipe open, and the write still
// goes out when the peer reads; a closed one is kept open by `slot`):
// `slot` lives until the write completes, then is freed on the thread pool.
// Where no wait can be made, the write is cancelled instead.
void FreeWhenWritten(HANDLE file, std::unique_ptr<WriteSlot> slot);

}  // namespace rendezvous

#endif  // ADDON_WIN_OVERLAPPED_IO_H_
