#include "win/overlapped_io.h"

namespace rendezvous {

OverlappedOp::OverlappedOp(bool auto_reset)
    : event_(
          ::CreateEventW(nullptr, auto_reset ? FALSE : TRUE, FALSE, nullptr)) {}

OVERLAPPED* OverlappedOp::Begin() {
  overlapped_ = OVERLAPPED{};
  overlapped_.hEvent = event_.get();
  return &overlapped_;
}

bool OverlappedOp::TakeResult(HANDLE file, DWORD* bytes, DWORD* os_error) {
  outstanding_ = false;
  *bytes = 0;
  if (::GetOverlappedResult(file, &overlapped_, bytes, FALSE)) {
    *os_error = ERROR_SUCCESS;
    return true;
  }
  *os_error = ::GetLastError();
  return false;
}

DWORD OverlappedOp::PeekError(HANDLE file) {
  if (!outstanding_ || !HasOverlappedIoCompleted(&overlapped_))
    return ERROR_SUCCESS;
  DWORD bytes = 0;
  if (::GetOverlappedResult(file, &overlapped_, &bytes, FALSE))
    return ERROR_SUCCESS;
  return ::GetLastError();
}

bool OverlappedOp::Finish(HANDLE file, DWORD* bytes, DWORD* os_error) {
  // An auto-reset event may be taken by a thread-pool wait first, so the
  // wait is bounded and the operation's own status looked at again.
  while (!HasOverlappedIoCompleted(&overlapped_)) {
    DWORD ignored = 0;
    ::GetOverlappedResultEx(file, &overlapped_, &ignored, 10, FALSE);
  }
  return TakeResult(file, bytes, os_error);
}

void OverlappedOp::CancelAndWait(HANDLE file) {
  if (!outstanding_)
    return;
  if (!HasOverlappedIoCompleted(&overlapped_))
    ::CancelIoEx(file, &overlapped_);
  DWORD bytes = 0;
  DWORD os_error = 0;
  Finish(file, &bytes, &os_error);
}

namespace {

void CALLBACK OnWriteDone(PTP_CALLBACK_INSTANCE /*instance*/,
                          void* context,
                          PTP_WAIT wait,
                          TP_WAIT_RESULT /*result*/) {
  auto* slot = static_cast<WriteSlot*>(context);
  if (!HasOverlappedIoCompleted(slot->op.overlapped())) {
    ::SetThreadpoolWait(wait, slot->op.event(), nullptr);
    return;
  }
  // Freed once this callback returns, which is its last.
  ::CloseThreadpoolWait(wait);
  delete slot;
}

}  // namespace

void PinThisModule() {
  // Once per process (a pinned module cannot be unpinned): by the address
  // of this very function, so it is this DLL whatever its file is called.
  static const bool pinned = [] {
    HMODULE module = nullptr;
    return ::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN |
                                    GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                                reinterpret_cast<LPCWSTR>(&PinThisModule),
                                &module) != 0;
  }();
  (void)pinned;
}

void FreeWhenWritten(HANDLE file, std::unique_ptr<WriteSlot> slot) {
  if (slot->op.completed())
    return;
  PinThisModule();  // OnWriteDone may run after the addon is unloaded
  PTP_WAIT wait = ::CreateThreadpoolWait(OnWriteDone, slot.get(), nullptr);
  if (wait == nullptr) {
    slot->op.CancelAndWait(file);
    return;
  }
  ::SetThreadpoolWait(wait, slot->op.event(), nullptr);
  slot.release();  // OnWriteDone's now
}

}  // namespace rendezvous
