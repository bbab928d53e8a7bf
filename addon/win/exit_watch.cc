#include "win/exit_watch.h"

#include <string>

#include "win/win_error.h"

namespace rendezvous {

ScopedHandle OpenProcessById(int32_t pid, DWORD access, Error* error) {
  ScopedHandle process(::OpenProcess(access, FALSE, static_cast<DWORD>(pid)));
  if (!process.is_valid()) {
    DWORD os_error = ::GetLastError();
    // A pid nobody holds is ERROR_INVALID_PARAMETER.
    *error = WindowsError(
        "OpenProcess", os_error, "Cannot watch process " + std::to_string(pid),
        os_error == ERROR_INVALID_PARAMETER ? codes::kProcessGone
                                            : codes::kSystem);
  }
  return process;
}

bool ProcessHasExited(HANDLE process) {
  return ::WaitForSingleObject(process, 0) == WAIT_OBJECT_0;
}

namespace {

class ProcessExitWatch : public ExitWatch {
 public:
  ProcessExitWatch(ScopedHandle process,
                   HANDLE port,
                   ULONG_PTR key,
                   int32_t pid)
      : process_(std::move(process)), port_(port), key_(key), pid_(pid) {}
  ~ProcessExitWatch() override {
    // INVALID_HANDLE_VALUE: returns once no callback runs any more, so the
    // callback never sees a destroyed watch.
    if (wait_)
      ::UnregisterWaitEx(wait_, INVALID_HANDLE_VALUE);
  }
  bool Start(Error* error) {
    if (!::RegisterWaitForSingleObject(&wait_, process_.get(), &OnExit, this,
                                       INFINITE, WT_EXECUTEONLYONCE)) {
      wait_ = nullptr;
      *error = LastWindowsError("RegisterWaitForSingleObject",
                                "Cannot watch process " + std::to_string(pid_));
      return false;
    }
    return true;
  }
  bool HasExited() const override { return ProcessHasExited(process_.get()); }
  HANDLE process() const { return process_.get(); }

 private:
  static VOID CALLBACK OnExit(PVOID context, BOOLEAN /*timed_out*/) {
    auto* watch = static_cast<ProcessExitWatch*>(context);
    // The server's thread does the releasing; a full or closed port only
    // loses the early release (the table is cleared at shutdown anyway).
    ::PostQueuedCompletionStatus(watch->port_, static_cast<DWORD>(watch->pid_),
                                 watch->key_, nullptr);
  }

  ScopedHandle process_;
  HANDLE port_;
  ULONG_PTR key_;
  int32_t pid_;
  HANDLE wait_ = nullptr;
};

}  // namespace

std::unique_ptr<ExitWatch> MakeProcessExitWatch(HANDLE port,
                                                ULONG_PTR key,
                                                int32_t pid,
                                                Error* error) {
  ScopedHandle process = OpenProcessById(pid, kChildProcessAccess, error);
  if (!process.is_valid())
    return nullptr;
  auto watch =
      std::make_unique<ProcessExitWatch>(std::move(process), port, key, pid);
  if (!watch->Start(error))
    return nullptr;
  return watch;
}

HANDLE ProcessOfWatch(const ExitWatch& watch) {
  return static_cast<const ProcessExitWatch&>(watch).process();
}

}  // namespace rendezvous
