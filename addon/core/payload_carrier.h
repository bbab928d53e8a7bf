// How a handle that arrived with a channel message stands to the kind the
// message states for it. Where a backend carries regions and channel ends as
// plain descriptors (Linux: a memfd, a socket), the transport cannot tell
// them apart and reports a descriptor, and the message's word decides. Where
// it carries them as rights of their own kind (macOS: a memory entry's send
// right, an inbox's receive right), a descriptor stated to be one is a lie:
// its number, taken as a port name, could name another right of this task.
#ifndef ADDON_CORE_PAYLOAD_CARRIER_H_
#define ADDON_CORE_PAYLOAD_CARRIER_H_

#include "core/right.h"

namespace rendezvous {

enum class Carrier {
  kAsStated,      // the handle is of the stated kind
  kAsDescriptor,  // a descriptor that carries the stated region or end
  kMismatch,      // neither: the message is bad
};

inline Carrier CarrierOf(RightKind arrived,
                         RightKind stated,
                         bool payloads_travel_as_descriptors) {
  if (arrived == stated)
    return Carrier::kAsStated;
  bool payload =
      stated == RightKind::kSharedMemory || stated == RightKind::kChannel;
  if (arrived == RightKind::kFd && payload && payloads_travel_as_descriptors)
    return Carrier::kAsDescriptor;
  return Carrier::kMismatch;
}

}  // namespace rendezvous

#endif  // ADDON_CORE_PAYLOAD_CARRIER_H_
