#include "napi/mapped_regions.h"

#include <string>
#include <utility>
#include <vector>

#include "core/platform.h"

namespace rendezvous {

namespace {

MappingBudget process_budget(kMaxMappedBytes, "this process's limit");
MappingBudget peer_budget(kMaxPeerMappedBytes,
                          "the limit for regions peers sent to this process");

// A mapping that gives its bytes back to every budget it took them from
// when it goes.
class BudgetedMapping : public SharedMemoryMapping {
 public:
  BudgetedMapping(std::unique_ptr<SharedMemoryMapping> mapping,
                  std::vector<MappingBudget*> budgets,
                  std::shared_ptr<MappingBudget> channel_budget)
      : mapping_(std::move(mapping)),
        budgets_(std::move(budgets)),
        channel_budget_(std::move(channel_budget)) {}
  ~BudgetedMapping() override {
    uint64_t size = mapping_->size();
    mapping_.reset();
    for (MappingBudget* budget : budgets_)
      budget->Release(size);
  }
  uint8_t* data() const override { return mapping_->data(); }
  uint64_t size() const override { return mapping_->size(); }
  int64_t handle() const override { return mapping_->handle(); }
  std::optional<RegionId> id() const override { return mapping_->id(); }

 private:
  std::unique_ptr<SharedMemoryMapping> mapping_;
  std::vector<MappingBudget*> budgets_;
  std::shared_ptr<MappingBudget> channel_budget_;  // keeps budgets_' first
};

// Reserves `size` in each of `budgets`, all or none.
bool ReserveAll(const std::vector<MappingBudget*>& budgets,
                uint64_t size,
                Error* error) {
  for (size_t i = 0; i < budgets.size(); ++i) {
    if (!budgets[i]->Reserve(size, error)) {
      while (i > 0)
        budgets[--i]->Release(size);
      return false;
    }
  }
  return true;
}

std::unique_ptr<SharedMemoryMapping> Budgeted(
    std::unique_ptr<SharedMemoryMapping> mapping,
    uint64_t reserved,
    std::vector<MappingBudget*> budgets,
    std::shared_ptr<MappingBudget> channel_budget) {
  if (!mapping) {
    for (MappingBudget* budget : budgets)
      budget->Release(reserved);
    return nullptr;
  }
  // The mapping's size is the size asked for (both backends check it).
  return std::make_unique<BudgetedMapping>(
      std::move(mapping), std::move(budgets), std::move(channel_budget));
}

}  // namespace

bool MappingBudget::Reserve(uint64_t size, Error* error) {
  uint64_t now = used_.load();
  do {
    if (size > limit_ - now) {
      *error =
          Error::Range(codes::kOutOfRange,
                       "Mapping " + std::to_string(size) +
                           " more bytes of shared memory would pass " + whose_ +
                           " of " + std::to_string(limit_) + " mapped at once");
      return false;
    }
  } while (!used_.compare_exchange_weak(now, now + size));
  return true;
}

std::shared_ptr<MappingBudget> NewChannelMappingBudget() {
  return std::make_shared<MappingBudget>(
      kMaxMappedBytesPerChannel,
      "the limit for regions one channel's peer sent");
}

std::unique_ptr<SharedMemoryMapping> CreateWithinBudget(uint64_t size,
                                                        Error* error) {
  std::vector<MappingBudget*> budgets{&process_budget};
  if (!ReserveAll(budgets, size, error))
    return nullptr;
  return Budgeted(CreateSharedMemory(size, error), size, std::move(budgets),
                  nullptr);
}

std::unique_ptr<SharedMemoryMapping> MapWithinBudget(
    int64_t handle,
    uint64_t size,
    std::shared_ptr<MappingBudget> channel_budget,
    Error* error) {
  std::vector<MappingBudget*> budgets{channel_budget.get(), &peer_budget,
                                      &process_budget};
  if (!ReserveAll(budgets, size, error)) {
    ReleaseReceivedRight(handle, RightKind::kSharedMemory);
    return nullptr;
  }
  return Budgeted(MapSharedMemory(handle, size, error), size,
                  std::move(budgets), std::move(channel_budget));
}

}  // namespace rendezvous
