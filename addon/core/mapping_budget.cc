#include "core/mapping_budget.h"

#include <string>
#include <utility>

namespace rendezvous {

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

MappingReservation::MappingReservation(MappingReservation&& other) noexcept
    : budgets_(std::move(other.budgets_)),
      size_(std::exchange(other.size_, 0)) {
  other.budgets_.clear();
}

MappingReservation& MappingReservation::operator=(
    MappingReservation&& other) noexcept {
  if (this != &other) {
    Reset();
    budgets_ = std::move(other.budgets_);
    other.budgets_.clear();
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

bool MappingReservation::Reserve(
    std::vector<std::shared_ptr<MappingBudget>> budgets,
    uint64_t size,
    Error* error) {
  Reset();
  for (size_t i = 0; i < budgets.size(); ++i) {
    if (!budgets[i]->Reserve(size, error)) {
      while (i > 0)
        budgets[--i]->Release(size);
      return false;
    }
  }
  budgets_ = std::move(budgets);
  size_ = size;
  return true;
}

void MappingReservation::Reset() {
  for (const std::shared_ptr<MappingBudget>& budget : budgets_)
    budget->Release(size_);
  budgets_.clear();
  size_ = 0;
}

}  // namespace rendezvous
