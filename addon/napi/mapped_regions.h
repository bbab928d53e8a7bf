// Every shared memory region mapped into this process goes through here, so
// together they stay within a budget of address space: a peer that sends
// region after region (each sealed and valid) cannot exhaust it.
#ifndef ADDON_NAPI_MAPPED_REGIONS_H_
#define ADDON_NAPI_MAPPED_REGIONS_H_

#include <cstdint>
#include <memory>

#include "core/error.h"
#include "core/shared_memory.h"

namespace rendezvous {

// Address space all regions mapped at once may take, per process.
inline constexpr uint64_t kMaxMappedBytes = uint64_t{1} << 40;

std::unique_ptr<SharedMemoryMapping> CreateWithinBudget(uint64_t size,
                                                        Error* error);
// Takes `handle` whatever the outcome, as MapSharedMemory does.
std::unique_ptr<SharedMemoryMapping> MapWithinBudget(int64_t handle,
                                                     uint64_t size,
                                                     Error* error);

}  // namespace rendezvous

#endif  // ADDON_NAPI_MAPPED_REGIONS_H_
