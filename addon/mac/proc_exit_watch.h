// Watches a child's exit with a DISPATCH_SOURCE_TYPE_PROC source on the
// server's queue: no thread per child.
#ifndef ADDON_MAC_PROC_EXIT_WATCH_H_
#define ADDON_MAC_PROC_EXIT_WATCH_H_

#include <dispatch/dispatch.h>

#include <cstdint>
#include <memory>

#include "core/debug_log.h"
#include "core/error.h"
#include "core/registration_table.h"
#include "core/right.h"

namespace rendezvous {

// On exit, releases `pid`'s unclaimed registration in `table` (which must
// outlive the queue's last handler).
std::unique_ptr<ExitWatch> MakeProcExitWatch(dispatch_queue_t queue,
                                             RegistrationTable* table,
                                             int32_t pid,
                                             const DebugLog& log,
                                             Error* error);

}  // namespace rendezvous

#endif  // ADDON_MAC_PROC_EXIT_WATCH_H_
