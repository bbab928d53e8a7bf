#include "napi/mapped_regions.h"

#include <utility>
#include <vector>

#include "core/channel_transport.h"
#include "napi/mapping_wrapper.h"

namespace rendezvous {

namespace {

std::shared_ptr<MappingBudget> ProcessBudget() {
  static const auto budget =
      std::make_shared<MappingBudget>(kMaxMappedBytes, "this process's limit");
  return budget;
}

std::shared_ptr<MappingBudget> PeerBudget() {
  static const auto budget = std::make_shared<MappingBudget>(
      kMaxPeerMappedBytes, "the limit for regions peers sent to this process");
  return budget;
}

// A mapping that gives its bytes back to every budget it took them from
// when it goes.
class BudgetedMapping : public MappingWrapper {
 public:
  BudgetedMapping(std::unique_ptr<SharedMemoryMapping> mapping,
                  MappingReservation reservation)
      : MappingWrapper(std::move(mapping)),
        reservation_(std::move(reservation)) {}
  // Unmapped first, then given back (as reservation_ goes).
  ~BudgetedMapping() override { UnmapWrapped(); }

 private:
  MappingReservation reservation_;
};

std::unique_ptr<SharedMemoryMapping> Budgeted(
    std::unique_ptr<SharedMemoryMapping> mapping,
    MappingReservation reservation) {
  if (!mapping)
    return nullptr;  // the reservation is given back
  // The mapping's size is the size asked for (both backends check it).
  return std::make_unique<BudgetedMapping>(std::move(mapping),
                                           std::move(reservation));
}

// Maps what a channel's peer sent (`map` does it once the bytes are
// reserved) against that channel's budget, the budget of all peers and the
// process's.
template <typename MapFn>
std::unique_ptr<SharedMemoryMapping> MapPeerSentWithinBudget(
    std::shared_ptr<MappingBudget> channel_budget,
    uint64_t size,
    Error* error,
    MapFn map) {
  MappingReservation reservation;
  if (!reservation.Reserve(
          {std::move(channel_budget), PeerBudget(), ProcessBudget()}, size,
          error)) {
    return nullptr;  // nothing was mapped
  }
  return Budgeted(map(), std::move(reservation));
}

}  // namespace

std::shared_ptr<MappingBudget> NewChannelMappingBudget() {
  return std::make_shared<MappingBudget>(
      kMaxMappedBytesPerChannel,
      "the limit for regions one channel's peer sent");
}

std::unique_ptr<SharedMemoryMapping> CreateWithinBudget(uint64_t size,
                                                        Error* error) {
  MappingReservation reservation;
  if (!reservation.Reserve({ProcessBudget()}, size, error))
    return nullptr;
  return Budgeted(CreateSharedMemory(size, error), std::move(reservation));
}

std::unique_ptr<SharedMemoryMapping> MapWithinBudget(
    OwnedHandle region,
    uint64_t size,
    std::shared_ptr<MappingBudget> channel_budget,
    Error* error) {
  // Refused by the budget, `region` is released as this returns.
  return MapPeerSentWithinBudget(std::move(channel_budget), size, error, [&] {
    return MapSharedMemory(std::move(region), size, error);
  });
}

std::unique_ptr<SharedMemoryMapping> MapBodyWithinBudget(
    OwnedHandle* body,
    uint64_t size,
    std::shared_ptr<MappingBudget> channel_budget,
    Error* error) {
  // Refused by the budget, `*body` stays the caller's.
  return MapPeerSentWithinBudget(std::move(channel_budget), size, error, [&] {
    return MapOutOfLineBody(body, size, error);
  });
}

}  // namespace rendezvous
