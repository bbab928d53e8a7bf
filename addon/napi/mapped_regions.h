// Every shared memory region mapped into this process goes through here, so
// together they stay within budgets of address space: a peer that sends
// region after region (each sealed and valid) cannot exhaust them, nor
// take from the process the room its own regions need.
//
// Thread use: any JS thread; the budgets are atomic.
#ifndef ADDON_NAPI_MAPPED_REGIONS_H_
#define ADDON_NAPI_MAPPED_REGIONS_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/error.h"
#include "core/shared_memory.h"

namespace rendezvous {

// Address space all regions mapped at once may take, per process.
inline constexpr uint64_t kMaxMappedBytes = uint64_t{1} << 40;
// Of that, what regions that peers sent may take together: the other half
// stays for the regions this process creates.
inline constexpr uint64_t kMaxPeerMappedBytes = kMaxMappedBytes / 2;
// What the regions one channel's peer sent may take while they stay mapped
// (two of the largest).
inline constexpr uint64_t kMaxMappedBytesPerChannel = 2 * kMaxSharedMemoryBytes;

// Bytes mapped at once against a limit.
class MappingBudget {
 public:
  MappingBudget(uint64_t limit, const char* whose)
      : limit_(limit), whose_(whose) {}
  MappingBudget(const MappingBudget&) = delete;
  MappingBudget& operator=(const MappingBudget&) = delete;

  bool Reserve(uint64_t size, Error* error);
  void Release(uint64_t size) { used_ -= size; }

 private:
  const uint64_t limit_;
  const char* const whose_;  // names the budget in errors
  std::atomic<uint64_t> used_{0};
};

// One channel end's account of the regions its peer sent. Each mapping
// holds it, so it outlives the end while a region taken from it does.
std::shared_ptr<MappingBudget> NewChannelMappingBudget();

std::unique_ptr<SharedMemoryMapping> CreateWithinBudget(uint64_t size,
                                                        Error* error);
// Maps a region a channel's peer sent, against that channel's budget, the
// budget of all peers and the process's. Takes `handle` whatever the
// outcome, as MapSharedMemory does.
std::unique_ptr<SharedMemoryMapping> MapWithinBudget(
    int64_t handle,
    uint64_t size,
    std::shared_ptr<MappingBudget> channel_budget,
    Error* error);

}  // namespace rendezvous

#endif  // ADDON_NAPI_MAPPED_REGIONS_H_
