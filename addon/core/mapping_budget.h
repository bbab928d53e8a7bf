// Budgets of address space for mapped shared memory regions: together the
// regions mapped into this process stay within them, so a peer that sends
// region after region (each sealed and valid) cannot exhaust the address
// space, nor take from the process the room its own regions need.
//
// Thread use: any thread; a budget's count is atomic.
#ifndef ADDON_CORE_MAPPING_BUDGET_H_
#define ADDON_CORE_MAPPING_BUDGET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

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

  // Takes `size` more bytes, or says (an OUT_OF_RANGE RangeError) that they
  // would pass the limit and takes nothing.
  bool Reserve(uint64_t size, Error* error);
  void Release(uint64_t size) { used_ -= size; }

 private:
  const uint64_t limit_;
  const char* const whose_;  // names the budget in errors
  std::atomic<uint64_t> used_{0};
};

// The same bytes reserved in several budgets at once, given back to each
// when the reservation goes. It keeps its budgets alive meanwhile.
class MappingReservation {
 public:
  MappingReservation() = default;
  MappingReservation(MappingReservation&& other) noexcept;
  MappingReservation& operator=(MappingReservation&& other) noexcept;
  MappingReservation(const MappingReservation&) = delete;
  MappingReservation& operator=(const MappingReservation&) = delete;
  ~MappingReservation() { Reset(); }

  // Reserves `size` in every one of `budgets`, or in none: on failure says
  // which budget refused and holds nothing. Gives back what it held first.
  bool Reserve(std::vector<std::shared_ptr<MappingBudget>> budgets,
               uint64_t size,
               Error* error);
  void Reset();

 private:
  std::vector<std::shared_ptr<MappingBudget>> budgets_;
  uint64_t size_ = 0;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_MAPPING_BUDGET_H_
