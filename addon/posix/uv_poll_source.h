// The POSIX LoopEventSource (core/loop_event_source.h): one descriptor
// polled with uv_poll, shared by the Linux and macOS channel transports.
//
// Thread use: the loop's thread only.
#ifndef ADDON_POSIX_UV_POLL_SOURCE_H_
#define ADDON_POSIX_UV_POLL_SOURCE_H_

#include <memory>

#include "core/error.h"
#include "core/loop_event_source.h"

namespace rendezvous {

// A source watching `fd` (which must stay open while it lives) on `loop`.
// Null (ERR_RENDEZVOUS_SYSTEM) where libuv refuses the descriptor, as it
// does one the loop already watches.
std::unique_ptr<LoopEventSource> WatchDescriptorOnLoop(EventLoop* loop,
                                                       int fd,
                                                       Error* error);

}  // namespace rendezvous

#endif  // ADDON_POSIX_UV_POLL_SOURCE_H_
