#include "fake_rights.h"

#include <algorithm>

namespace rendezvous::unit {

namespace {

class FakeRight : public Right {
 public:
  FakeRight(RightLog* log, int id, RightKind kind)
      : log_(log), id_(id), kind_(kind) {}
  ~FakeRight() override { log_->RecordDestroyed(this, id_); }
  RightKind kind() const override { return kind_; }
  void ReturnToCaller() override { log_->RecordReturned(id_); }

 private:
  RightLog* log_;
  int id_;
  RightKind kind_;
};

}  // namespace

std::unique_ptr<Right> RightLog::Make(int id, RightKind kind) {
  fates_.emplace(id, Fate());
  auto right = std::make_unique<FakeRight>(this, id, kind);
  living_[right.get()] = id;
  return right;
}

RightsByKey RightLog::MakeRights(std::initializer_list<uint32_t> keys,
                                 int first_id) {
  RightsByKey rights;
  int id = first_id;
  for (uint32_t key : keys)
    rights.emplace(key, Make(id++));
  return rights;
}

int RightLog::CountIf(bool (*matches)(const Fate&)) const {
  return static_cast<int>(
      std::count_if(fates_.begin(), fates_.end(),
                    [&](const auto& entry) { return matches(entry.second); }));
}

int RightLog::destroyed() const {
  return CountIf([](const Fate& f) { return f.destroyed > 0; });
}

int RightLog::destroyed_twice() const {
  return CountIf([](const Fate& f) { return f.destroyed > 1; });
}

int RightLog::returned_to_caller() const {
  return CountIf([](const Fate& f) { return f.returned_to_caller > 0; });
}

int RightLog::IdOf(const Right& right) const {
  auto it = living_.find(&right);
  return it == living_.end() ? -1 : it->second;
}

void RightLog::RecordDestroyed(const Right* right, int id) {
  living_.erase(right);
  ++fates_.at(id).destroyed;
}

void RightLog::RecordReturned(int id) {
  Fate& fate = fates_.at(id);
  if (fate.destroyed)
    fate.returned_after_destroyed = true;
  ++fate.returned_to_caller;
}

}  // namespace rendezvous::unit
