// Watches a registered child's exit with one thread-pool wait on its process
// handle (RegisterWaitForSingleObject): no thread, and no wait slot, per
// child. The handle, opened at bind, also pins the pid: while it is open the
// system gives the pid to no other process, so rights bound to it can only
// reach that process.
#ifndef ADDON_WIN_EXIT_WATCH_H_
#define ADDON_WIN_EXIT_WATCH_H_

#include <windows.h>

#include <cstdint>
#include <memory>

#include "core/error.h"
#include "core/right.h"
#include "win/scoped_handle.h"

namespace rendezvous {

// The rights the server needs on a registered child: to duplicate handles
// into it, to wait for its exit, and to ask for its parent.
inline constexpr DWORD kChildProcessAccess =
    PROCESS_DUP_HANDLE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION;

// Opens `pid` with `access`; kProcessGone when no such process runs.
ScopedHandle OpenProcessById(int32_t pid, DWORD access, Error* error);

// Whether `process` (a handle with SYNCHRONIZE) has exited.
bool ProcessHasExited(HANDLE process);

// When the child exits, posts a packet to `port` with `key` and the pid as
// its byte count. Destroying the watch unregisters the wait and waits for a
// callback under way.
std::unique_ptr<ExitWatch> MakeProcessExitWatch(HANDLE port,
                                                ULONG_PTR key,
                                                int32_t pid,
                                                Error* error);

// The process handle a watch made by MakeProcessExitWatch holds.
HANDLE ProcessOfWatch(const ExitWatch& watch);

}  // namespace rendezvous

#endif  // ADDON_WIN_EXIT_WATCH_H_
