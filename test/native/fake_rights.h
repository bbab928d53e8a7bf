// Test doubles for what a backend hands the core's registration table: a
// Right and an ExitWatch that report what happens to them into logs the test
// owns, so a test can check that every right is released exactly once, and
// given back only when it should be, on every path.
//
// Thread use: the test's thread only. A log must outlive what it made.
#ifndef TEST_NATIVE_FAKE_RIGHTS_H_
#define TEST_NATIVE_FAKE_RIGHTS_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>

#include "core/right.h"

namespace rendezvous::unit {

class RightLog {
 public:
  struct Fate {
    int destroyed = 0;
    int returned_to_caller = 0;
    // ReturnToCaller() after destruction would be a use after free; a
    // return must come first.
    bool returned_after_destroyed = false;
  };

  // A right whose fate this log records; `id` (unique per log) tells it
  // apart later.
  std::unique_ptr<Right> Make(int id, RightKind kind = RightKind::kFd);
  // Rights under `keys`, with ids `first_id`, `first_id + 1`, ...
  RightsByKey MakeRights(std::initializer_list<uint32_t> keys, int first_id);

  const Fate& fate(int id) const { return fates_.at(id); }
  // The id `right` was made with, while it lives; -1 if this log did not
  // make it.
  int IdOf(const Right& right) const;
  int made() const { return static_cast<int>(fates_.size()); }
  // How many of the rights made so far were destroyed at least once /
  // more than once / given back.
  int destroyed() const;
  int destroyed_twice() const;
  int returned_to_caller() const;

  void RecordDestroyed(const Right* right, int id);
  void RecordReturned(int id);

 private:
  int CountIf(bool (*matches)(const Fate&)) const;

  std::map<int, Fate> fates_;
  std::map<const Right*, int> living_;
};

// What a FakeExitWatch reports and what happened to it.
struct ExitState {
  bool exited = false;
  int watches_destroyed = 0;
};

class FakeExitWatch : public ExitWatch {
 public:
  explicit FakeExitWatch(ExitState* state) : state_(state) {}
  ~FakeExitWatch() override { ++state_->watches_destroyed; }
  bool HasExited() const override { return state_->exited; }

 private:
  ExitState* state_;
};

inline std::unique_ptr<ExitWatch> WatchOf(ExitState* state) {
  return std::make_unique<FakeExitWatch>(state);
}

}  // namespace rendezvous::unit

#endif  // TEST_NATIVE_FAKE_RIGHTS_H_
