// Every shared memory region mapped into this process goes through here, so
// each counts against the budgets of core/mapping_budget.h: this process's,
// and for a region a peer sent, that of all peers and that of its channel.
//
// Thread use: any JS thread; the budgets are atomic.
#ifndef ADDON_NAPI_MAPPED_REGIONS_H_
#define ADDON_NAPI_MAPPED_REGIONS_H_

#include <cstdint>
#include <memory>

#include "core/error.h"
#include "core/mapping_budget.h"
#include "core/owned_handle.h"
#include "core/shared_memory.h"

namespace rendezvous {

// One channel end's account of the regions its peer sent. Each mapping
// holds it, so it outlives the end while a region taken from it does.
std::shared_ptr<MappingBudget> NewChannelMappingBudget();

std::unique_ptr<SharedMemoryMapping> CreateWithinBudget(uint64_t size,
                                                        Error* error);
// Maps a region a channel's peer sent, against that channel's budget, the
// budget of all peers and the process's. `region` is released on failure,
// as MapSharedMemory does.
std::unique_ptr<SharedMemoryMapping> MapWithinBudget(
    OwnedHandle region,
    uint64_t size,
    std::shared_ptr<MappingBudget> channel_budget,
    Error* error);

// Maps a message body a channel's peer sent out of line
// (MapOutOfLineBody), against the same budgets as a region it sent.
// `*body` is taken only on success.
std::unique_ptr<SharedMemoryMapping> MapBodyWithinBudget(
    OwnedHandle* body,
    uint64_t size,
    std::shared_ptr<MappingBudget> channel_budget,
    Error* error);

}  // namespace rendezvous

#endif  // ADDON_NAPI_MAPPED_REGIONS_H_
