// What becomes of a channel message's rights when a send fails (per
// mac/send_failure.h), and of what an end took out of its inbox when it is
// handed over.
#ifndef ADDON_MAC_CHANNEL_RECOVERY_H_
#define ADDON_MAC_CHANNEL_RECOVERY_H_

#include <mach/mach.h>

#include <vector>

#include "core/channel_transport.h"
#include "core/owned_handle.h"
#include "mac/channel_sending.h"
#include "mac/send_failure.h"

namespace rendezvous::mac {

// A channel's sends copy or make their destination and carry no reply
// right: a header destroyed before the body (kHeaderDestroyed) cost the
// sender nothing, as if nothing had been taken.
sending::SendFailure ClassifyChannelSend(kern_return_t kr,
                                         const mach_msg_header_t& header,
                                         mach_msg_type_name_t sent_remote);

// After a frame `header` failed to send with `kr`: gives the caller's moved
// rights back to `handles` when they came back, forgets those that may be
// gone, and says how the send ended.
IoStatus RecoverFailedFrame(kern_return_t kr,
                            mach_msg_header_t* header,
                            std::vector<Outgoing>* outgoing,
                            std::vector<OwnedHandle>* handles,
                            Error* error);

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_CHANNEL_RECOVERY_H_
