#include "mac/proc_exit_watch.h"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "mac/process_identity.h"
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
  ProcExitWatch(DispatchSource<ExitContext> source,
                std::optional<uint64_t> unique_id)
      : source_(std::move(source)), unique_id_(unique_id) {}
  bool HasExited() const override { return source_.context()->exited.load(); }
  std::optional<uint64_t> unique_id() const { return unique_id_; }

 private:
  DispatchSource<ExitContext> source_;
  const std::optional<uint64_t> unique_id_;
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
  // The process the pid names now is the one bound (a child is not reaped
  // before its parent binds it). Where the kernel will not say (a sandbox
  // denying process information), the pid alone decides.
  std::optional<mac::ProcessSnapshot> process = mac::ReadProcessSnapshot(pid);
  if (!process)
    log("cannot identify pid %d; its requests are matched by pid only", pid);
  std::optional<uint64_t> unique_id;
  if (process)
    unique_id = process->unique_id;
  return std::make_unique<ProcExitWatch>(std::move(source), unique_id);
}

std::optional<uint64_t> BoundUniqueId(const ExitWatch& watch) {
  return static_cast<const ProcExitWatch&>(watch).unique_id();
}

}  // namespace rendezvous
