// What arrived with a channel message, checked and turned into owned objects
// before any of it reaches JS: regions mapped within the receiving end's
// budget, channel ends adopted, other handles kept raw. Whatever is dropped
// is released off the JS thread.
//
// Thread use: the receiving end's JS thread.
#ifndef ADDON_NAPI_RECEIVED_PAYLOADS_H_
#define ADDON_NAPI_RECEIVED_PAYLOADS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "core/channel_frames.h"
#include "core/deferred_release.h"
#include "core/owned_handle.h"
#include "core/shared_memory.h"
#include "napi/mapped_regions.h"
#include "napi/received_bodies.h"

namespace rendezvous {

class ChannelDriver;

struct ReceivedPayload {
  RightKind kind = RightKind::kFd;
  OwnedHandle raw;
  std::unique_ptr<SharedMemoryMapping> memory;
  DeferredTransport channel;
  int64_t channel_endpoint = -1;  // the handle `channel` owns
};

// Checks each of `handles` against its descriptor and makes its payload.
// False (with `error`, a bad message) if any fails: everything is released.
bool AcceptHandles(const std::vector<frames::HandleDescriptor>& descriptors,
                   std::vector<OwnedHandle> handles,
                   const std::shared_ptr<MappingBudget>& region_budget,
                   DeferredRelease* release,
                   std::vector<ReceivedPayload>* payloads,
                   Error* error);

// For a message whose data came out of line: takes its body, the last of
// `handles` (after the message's own), and maps it within the channel's
// budget (MapBodyWithinBudget). A body its peer pools (kFlagPooledBody)
// posts its id to `releases` once its mapping goes. False (with `error`, a
// bad message) if it fails the checks; the body is then released off the
// JS thread.
bool TakeOutOfLineBody(const frames::AssembledMessage& message,
                       std::vector<OwnedHandle>* handles,
                       const std::shared_ptr<MappingBudget>& region_budget,
                       ChannelDriver* releases,
                       std::unique_ptr<SharedMemoryMapping>* body,
                       Error* error);

}  // namespace rendezvous

#endif  // ADDON_NAPI_RECEIVED_PAYLOADS_H_
