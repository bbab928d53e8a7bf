// Watches a child's exit with a DISPATCH_SOURCE_TYPE_PROC source on the
// server's queue: no thread per child. The watch also records who the
// process is when it is made, at bind, so a request can be matched to that
// very process and not to a later one that got its pid.
#ifndef ADDON_MAC_PROC_EXIT_WATCH_H_
#define ADDON_MAC_PROC_EXIT_WATCH_H_

#include <dispatch/dispatch.h>

#include <cstdint>
#include <memory>
#include <optional>

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

// The unique id MakeProcExitWatch recorded of its process; none if it could
// not be read. `watch` must come from MakeProcExitWatch, as every exit watch
// in a macOS server's table does (MacServer::WatchExit makes them all).
std::optional<uint64_t> BoundUniqueId(const ExitWatch& watch);

}  // namespace rendezvous

#endif  // ADDON_MAC_PROC_EXIT_WATCH_H_
