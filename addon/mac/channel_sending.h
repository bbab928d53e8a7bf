// Sending on a channel: how each handle travels in a frame, the hello, and
// the inbox queue limit that holds a sender off (backpressure: a send to a
// full queue never waits, the sender sees kWouldBlock and retries).
#ifndef ADDON_MAC_CHANNEL_SENDING_H_
#define ADDON_MAC_CHANNEL_SENDING_H_

#include <mach/mach.h>

#include "core/error.h"
#include "mac/channel_messages.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous::mac {

// Sets how many messages `port` queues before a sender's send would wait.
// `error` may be null.
bool SetQueueLimit(mach_port_t port, mach_port_msgcount_t limit, Error* error);

// Sends a hello into `inbox` (see mac/channel_messages.h) carrying `peer`,
// made or moved as `disposition` says. `hello` is left for the caller to
// clean up after a failure (mac/channel_recovery.h).
kern_return_t SendHello(mach_port_t inbox,
                        mach_port_t peer,
                        mach_msg_type_name_t disposition,
                        HelloMessage* hello);

// One handle as it goes into a frame message.
struct Outgoing {
  mach_port_t name = MACH_PORT_NULL;
  mach_msg_type_name_t disposition = 0;
  // The caller's own right goes with the message (send-once and receive
  // rights, which cannot be copied). Otherwise the message carries a copy
  // (COPY_SEND) or a fileport made for it, and the caller's handle is
  // released only once the send succeeded: a failed send leaves it alone.
  bool moves = false;
  ScopedMachSendRight fileport;  // kFd only
};

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_CHANNEL_SENDING_H_
