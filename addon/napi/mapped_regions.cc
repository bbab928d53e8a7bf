#include "napi/mapped_regions.h"

#include <atomic>
#include <string>
#include <utility>

#include "core/platform.h"

namespace rendezvous {

namespace {

std::atomic<uint64_t> mapped_bytes{0};

bool Reserve(uint64_t size, Error* error) {
  uint64_t now = mapped_bytes.load();
  do {
    if (size > kMaxMappedBytes - now) {
      *error = Error::Range(
          codes::kOutOfRange,
          "Mapping " + std::to_string(size) +
              " more bytes of shared memory would pass this process's limit "
              "of " +
              std::to_string(kMaxMappedBytes) + " mapped at once");
      return false;
    }
  } while (!mapped_bytes.compare_exchange_weak(now, now + size));
  return true;
}

// A mapping that gives its bytes back to the budget when it goes.
class BudgetedMapping : public SharedMemoryMapping {
 public:
  explicit BudgetedMapping(std::unique_ptr<SharedMemoryMapping> mapping)
      : mapping_(std::move(mapping)) {}
  ~BudgetedMapping() override {
    uint64_t size = mapping_->size();
    mapping_.reset();
    mapped_bytes -= size;
  }
  uint8_t* data() const override { return mapping_->data(); }
  uint64_t size() const override { return mapping_->size(); }
  int64_t handle() const override { return mapping_->handle(); }

 private:
  std::unique_ptr<SharedMemoryMapping> mapping_;
};

std::unique_ptr<SharedMemoryMapping> Budgeted(
    std::unique_ptr<SharedMemoryMapping> mapping,
    uint64_t reserved) {
  if (!mapping) {
    mapped_bytes -= reserved;
    return nullptr;
  }
  // The mapping's size is the size asked for (both backends check it).
  return std::make_unique<BudgetedMapping>(std::move(mapping));
}

}  // namespace

std::unique_ptr<SharedMemoryMapping> CreateWithinBudget(uint64_t size,
                                                        Error* error) {
  if (!Reserve(size, error))
    return nullptr;
  return Budgeted(CreateSharedMemory(size, error), size);
}

std::unique_ptr<SharedMemoryMapping> MapWithinBudget(int64_t handle,
                                                     uint64_t size,
                                                     Error* error) {
  if (!Reserve(size, error)) {
    ReleaseReceivedRight(handle, RightKind::kSharedMemory);
    return nullptr;
  }
  return Budgeted(MapSharedMemory(handle, size, error), size);
}

}  // namespace rendezvous
