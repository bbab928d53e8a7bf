#include "napi/received_payloads.h"

#include <optional>
#include <string>
#include <utility>

#include "core/channel_transport.h"
#include "core/default_dispositions.h"
#include "core/payload_carrier.h"
#include "core/seam/handles.h"
#include "napi/channel_driver.h"

namespace rendezvous {

namespace {

Error BadMessage(const std::string& why) {
  return Error::Make(codes::kBadMessage, "The peer sent a bad message: " + why);
}

// Whether `mapping` shows the same memory object as a region already among
// `payloads`: a peer sending one object many times would take a budget's
// worth of address space for the memory of one.
bool MapsSameObject(const SharedMemoryMapping& mapping,
                    const std::vector<ReceivedPayload>& payloads) {
  std::optional<RegionId> id = mapping.id();
  if (!id)
    return false;
  for (const ReceivedPayload& payload : payloads) {
    if (payload.memory && payload.memory->id() == id)
      return true;
  }
  return false;
}

// The handle to give a check that closes what it is given when it fails it
// (mapping a region, adopting a channel end). A descriptor, which could be
// anything the peer chose (a lingering socket among them), is given as a
// duplicate: a failed check then closes only the duplicate, while `handle`
// still holds the descriptor open, and `handle` goes to the release thread.
bool HandleForCheck(OwnedHandle* handle,
                    bool carried_as_fd,
                    OwnedHandle* out,
                    Error* error) {
  if (!carried_as_fd) {
    *out = std::move(*handle);
    return true;
  }
  Error why;
  OwnedHandle copy;
  if (!DuplicateHandle(handle->get(), RightKind::kFd, &copy, &why)) {
    *error = why;
    return false;
  }
  *out = std::move(copy);
  return true;
}

// Maps a region or adopts a channel end from `handle`.
bool AcceptPayload(const frames::HandleDescriptor& descriptor,
                   OwnedHandle* handle,
                   bool carried_as_fd,
                   const std::shared_ptr<MappingBudget>& region_budget,
                   DeferredRelease* release,
                   const std::vector<ReceivedPayload>& earlier,
                   ReceivedPayload* payload,
                   Error* error) {
  OwnedHandle checked;
  if (!HandleForCheck(handle, carried_as_fd, &checked, error))
    return false;
  Error why;
  if (descriptor.kind == RightKind::kSharedMemory) {
    // Mapped as the region the message says it is, whatever carried it.
    payload->memory = MapWithinBudget(
        OwnedHandle(checked.release(), RightKind::kSharedMemory),
        descriptor.byte_length, region_budget, &why);
  } else {
    payload->channel_endpoint = checked.get();
    payload->channel =
        DeferredTransport(AdoptChannelEnd(std::move(checked), &why).release(),
                          DeferredTransportDeleter(release));
  }
  if (!payload->memory && !payload->channel) {
    *error = BadMessage(why.message);
    return false;
  }
  if (payload->memory && MapsSameObject(*payload->memory, earlier)) {
    *error = BadMessage("the same shared memory region twice");
    return false;
  }
  // The check kept the duplicate, which now holds the file open: closing
  // the peer's descriptor here is not its last close, so it cannot block,
  // and the process holds one descriptor per handle, not two.
  if (carried_as_fd) {
    handle->ReleaseThrough(nullptr);
    handle->reset();
  }
  return true;
}

}  // namespace

bool AcceptHandles(const std::vector<frames::HandleDescriptor>& descriptors,
                   std::vector<OwnedHandle> handles,
                   const std::shared_ptr<MappingBudget>& region_budget,
                   DeferredRelease* release,
                   std::vector<ReceivedPayload>* payloads,
                   Error* error) {
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const frames::HandleDescriptor& descriptor = descriptors[i];
    OwnedHandle& handle = handles[i];
    bool is_payload = descriptor.kind == RightKind::kSharedMemory ||
                      descriptor.kind == RightKind::kChannel;
    Carrier carrier =
        CarrierOf(handle.kind(), descriptor.kind,
                  BackendDefaultDispositions().payloads_travel_as_descriptors);
    bool carried_as_fd = carrier == Carrier::kAsDescriptor;
    if (carrier == Carrier::kMismatch) {
      *error = BadMessage("a handle is not of the kind its message states");
      return false;
    }
    ReceivedPayload payload;
    payload.kind = descriptor.kind;
    if (is_payload) {
      if (!AcceptPayload(descriptor, &handle, carried_as_fd, region_budget,
                         release, *payloads, &payload, error)) {
        return false;
      }
    } else {
      payload.raw = OwnedHandle(handle.release(), descriptor.kind);
      payload.raw.ReleaseThrough(release);
    }
    payloads->push_back(std::move(payload));
  }
  return true;
}

bool TakeOutOfLineBody(const frames::AssembledMessage& message,
                       std::vector<OwnedHandle>* handles,
                       const std::shared_ptr<MappingBudget>& region_budget,
                       ChannelDriver* releases,
                       std::unique_ptr<SharedMemoryMapping>* body,
                       Error* error) {
  // The assembler counted it: a message flagged out of line has one.
  OwnedHandle handle = std::move(handles->back());
  handles->pop_back();
  Error why;
  *body = MapBodyWithinBudget(&handle, message.size, region_budget, &why);
  if (!*body) {
    *error = BadMessage(why.message);
    return false;  // `handle`, still the peer's descriptor, goes off-thread
  }
  if ((message.flags & frames::kFlagPooledBody) != 0) {
    *body = ReleasedWhenUnmapped(std::move(*body), message.body_id,
                                 releases->body_releases());
  }
  return true;
}

}  // namespace rendezvous
