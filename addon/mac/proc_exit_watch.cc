#include "mac/proc_exit_watch.h"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "mac/scoped_dispatch_object.h"

namespace rendezvous {

namespace {

// Lives as long as the dispatch source (its finalizer deletes it).
struct ExitContext {
  RegistrationTable* table;
  int32_t pid;
  DebugLog log;
  std::atomic<bool> exited{false};
};

void OnProcessExited(void* raw) {
  auto* context = static_cast<ExitContext*>(raw);
  context->exited.store(true);
  // May destroy the watch that owns this source; the source (and this
  // context) stay alive until the handler returns.
  if (context->table->ReleaseIfExited(context->pid)) {
    context->log("pid %d exited before claiming; its rights are released",
                 context->pid);
  }
}

class ProcExitWatch : public ExitWatch {
 public:
  explicit ProcExitWatch(DispatchSource<ExitContext> source)
      : source_(std::move(source)) {}
  bool HasExited() const override { return source_.context()->exited.load(); }

 private:
  DispatchSource<ExitContext> source_;
};

}  // namespace

std::unique_ptr<ExitWatch> MakeProcExitWatch(dispatch_queue_t queue,
                                             RegistrationTable* table,
                                             int32_t pid,
                                             const DebugLog& log,
                                             Error* error) {
  auto* context = new ExitContext{table, pid, log};
  DispatchSource<ExitContext> source(
      DISPATCH_SOURCE_TYPE_PROC, static_cast<uintptr_t>(pid),
      DISPATCH_PROC_EXIT, queue, context, &OnProcessExited);
  if (!source.is_valid()) {
    *error = Error::Make(codes::kSystem,
                         "Cannot watch process " + std::to_string(pid));
    return nullptr;
  }
  source.Resume();
  // A pid with no process behind it would never report an exit.
  if (::kill(pid, 0) < 0 && errno == ESRCH) {
    *error = Error::System(codes::kProcessGone,
                           "Cannot watch process " + std::to_string(pid) +
                               ": kill failed: " + std::strerror(ESRCH),
                           "kill", ESRCH);
    return nullptr;
  }
  return std::make_unique<ProcExitWatch>(std::move(source));
}

}  // namespace rendezvous
