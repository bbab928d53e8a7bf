// RegistrationTable owns every right from Prepare() until the child claims
// it, the child exits, the launch is cancelled or given back, or the table is
// cleared: on each path each right must be released exactly once.
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "core/registration_table.h"
#include "fake_rights.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

using ClaimResult = RegistrationTable::ClaimResult;

constexpr int32_t kPid = 4242;
constexpr int32_t kOtherPid = 4343;

void CancelReleasesEveryRightOnce(Failures& t) {
  RightLog log;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1, 2, 3}, 0));
  EXPECT_EQ(t, log.destroyed(), 0);
  table.Cancel(launch);
  EXPECT_EQ(t, log.destroyed(), 3);
  EXPECT_EQ(t, log.destroyed_twice(), 0);
  EXPECT_EQ(t, log.returned_to_caller(), 0);
  EXPECT_EQ(t, table.pending_launch_count(), size_t{0});
  // A second cancel, as after a bind, finds nothing to release.
  table.Cancel(launch);
  EXPECT_EQ(t, log.destroyed_twice(), 0);
}

void GiveBackReturnsEveryRightThenReleasesIt(Failures& t) {
  RightLog log;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1, 2}, 0));
  table.GiveBack(launch);
  for (int id : {0, 1}) {
    EXPECT_EQ(t, log.fate(id).returned_to_caller, 1);
    EXPECT_EQ(t, log.fate(id).destroyed, 1);
    EXPECT_TRUE(t, !log.fate(id).returned_after_destroyed);
  }
  EXPECT_EQ(t, table.pending_launch_count(), size_t{0});
  table.GiveBack(launch);
  table.Cancel(launch);
  EXPECT_EQ(t, log.destroyed_twice(), 0);
  EXPECT_EQ(t, log.fate(0).returned_to_caller, 1);
}

void GiveBackAfterBindLeavesTheRegistration(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1}, 0));
  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  table.GiveBack(launch);
  EXPECT_EQ(t, log.returned_to_caller(), 0);
  EXPECT_EQ(t, log.destroyed(), 0);
  EXPECT_TRUE(t, table.IsRegistered(kPid));
}

void ClaimMovesTheBoundRightsOutInKeyOrder(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  RightsByKey rights;
  rights.emplace(9, log.Make(0));
  rights.emplace(2, log.Make(1));
  rights.emplace(5, log.Make(2));
  auto launch = table.Prepare(std::move(rights));
  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  EXPECT_EQ(t, table.pending_launch_count(), size_t{0});
  EXPECT_EQ(t, table.registration_count(), size_t{1});
  {
    ClaimedRights claimed;
    EXPECT_EQ(t, table.Claim(kPid, &claimed), ClaimResult::kRights);
    std::vector<uint32_t> keys;
    std::vector<int> ids;
    for (const auto& [key, right] : claimed.rights) {
      keys.push_back(key);
      ids.push_back(log.IdOf(*right));
    }
    EXPECT_TRUE(t, (keys == std::vector<uint32_t>{2, 5, 9}));
    EXPECT_TRUE(t, (ids == std::vector<int>{1, 2, 0}));
    // The claimer owns them now: the table released none.
    EXPECT_EQ(t, log.destroyed(), 0);
    EXPECT_TRUE(t, claimed.exit_watch != nullptr);
    EXPECT_EQ(t, exit.watches_destroyed, 0);
  }
  EXPECT_EQ(t, log.destroyed(), 3);
  EXPECT_EQ(t, exit.watches_destroyed, 1);
  // Rights go to a pid once.
  ClaimedRights again;
  EXPECT_EQ(t, table.Claim(kPid, &again), ClaimResult::kNothing);
  EXPECT_TRUE(t, again.rights.empty());
  EXPECT_EQ(t, log.destroyed_twice(), 0);
}

void ClaimWaitsOnlyWhileALaunchIsPending(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  ClaimedRights claimed;
  EXPECT_EQ(t, table.Claim(kPid, &claimed), ClaimResult::kNothing);
  auto launch = table.Prepare(log.MakeRights({1}, 0));
  EXPECT_EQ(t, table.Claim(kPid, &claimed), ClaimResult::kWait);
  EXPECT_TRUE(t, claimed.rights.empty());
  // Bound to another pid, nothing is pending: this pid gets nothing, and
  // the other pid's rights stay where they are.
  EXPECT_TRUE(t, !table.Bind(launch, kOtherPid, WatchOf(&exit)));
  EXPECT_EQ(t, table.Claim(kPid, &claimed), ClaimResult::kNothing);
  EXPECT_TRUE(t, claimed.rights.empty());
  EXPECT_TRUE(t, table.IsRegistered(kOtherPid));
  EXPECT_EQ(t, log.destroyed(), 0);
}

void BindingAPidThatHasRightsFailsAndKeepsBoth(Failures& t) {
  RightLog log;
  ExitState first_exit;
  ExitState second_exit;
  RegistrationTable table;
  auto first = table.Prepare(log.MakeRights({1}, 0));
  auto second = table.Prepare(log.MakeRights({1}, 1));
  EXPECT_TRUE(t, !table.Bind(first, kPid, WatchOf(&first_exit)));
  std::optional<Error> error = table.Bind(second, kPid, WatchOf(&second_exit));
  EXPECT_TRUE(t, error.has_value());
  if (error)
    EXPECT_EQ(t, error->code, std::string(codes::kAlreadyRegistered));
  EXPECT_EQ(t, log.destroyed(), 0);
  // The refused bind's watch was not kept; the first one still watches.
  EXPECT_EQ(t, second_exit.watches_destroyed, 1);
  EXPECT_EQ(t, first_exit.watches_destroyed, 0);
  // The refused launch stays prepared, so it can still be cancelled.
  EXPECT_EQ(t, table.pending_launch_count(), size_t{1});
  table.Cancel(second);
  EXPECT_EQ(t, log.fate(1).destroyed, 1);
  EXPECT_EQ(t, log.fate(0).destroyed, 0);
  ClaimedRights claimed;
  EXPECT_EQ(t, table.Claim(kPid, &claimed), ClaimResult::kRights);
  EXPECT_EQ(t, claimed.rights.size(), size_t{1});
  if (!claimed.rights.empty())
    EXPECT_EQ(t, log.IdOf(*claimed.rights.begin()->second), 0);
}

void BindingAnUnknownLaunchFails(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1}, 0));
  table.Cancel(launch);
  std::optional<Error> error = table.Bind(launch, kPid, WatchOf(&exit));
  EXPECT_TRUE(t, error.has_value());
  if (error)
    EXPECT_EQ(t, error->code, std::string(codes::kUnknownLaunch));
  EXPECT_TRUE(t, !table.IsRegistered(kPid));
  EXPECT_EQ(t, exit.watches_destroyed, 1);
  EXPECT_EQ(t, log.destroyed_twice(), 0);
}

void BindingAChildThatAlreadyExitedReleasesItsRights(Failures& t) {
  RightLog log;
  ExitState exit;
  exit.exited = true;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1, 2}, 0));
  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  EXPECT_EQ(t, log.destroyed(), 2);
  EXPECT_EQ(t, exit.watches_destroyed, 1);
  EXPECT_TRUE(t, !table.IsRegistered(kPid));
  ClaimedRights claimed;
  EXPECT_EQ(t, table.Claim(kPid, &claimed), ClaimResult::kNothing);
  EXPECT_EQ(t, log.destroyed_twice(), 0);
}

void AnExitReleasesTheRightsOnlyOnceTheProcessIsGone(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1, 2}, 0));
  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  // An exit event for a reused pid: this registration's process still runs.
  EXPECT_TRUE(t, !table.ReleaseIfExited(kPid));
  EXPECT_EQ(t, log.destroyed(), 0);
  EXPECT_TRUE(t, table.IsRegistered(kPid));
  exit.exited = true;
  EXPECT_TRUE(t, table.ReleaseIfExited(kPid));
  EXPECT_EQ(t, log.destroyed(), 2);
  EXPECT_EQ(t, exit.watches_destroyed, 1);
  EXPECT_TRUE(t, !table.ReleaseIfExited(kPid));
  EXPECT_TRUE(t, !table.ReleaseIfExited(kOtherPid));
  EXPECT_EQ(t, log.destroyed_twice(), 0);
}

void UnclaimPutsBackOrReleasesOnce(Failures& t) {
  RightLog log;
  ExitState exit;
  ExitState newer_exit;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1}, 0));
  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  ClaimedRights claimed;
  EXPECT_EQ(t, table.Claim(kPid, &claimed), ClaimResult::kRights);
  table.Unclaim(kPid, std::move(claimed));
  EXPECT_EQ(t, log.destroyed(), 0);
  EXPECT_TRUE(t, table.IsRegistered(kPid));

  // Put back after the pid got a newer registration: the newer one stays,
  // the old claim is released.
  ClaimedRights old;
  EXPECT_EQ(t, table.Claim(kPid, &old), ClaimResult::kRights);
  auto newer = table.Prepare(log.MakeRights({1}, 1));
  EXPECT_TRUE(t, !table.Bind(newer, kPid, WatchOf(&newer_exit)));
  table.Unclaim(kPid, std::move(old));
  EXPECT_EQ(t, log.fate(0).destroyed, 1);
  EXPECT_EQ(t, exit.watches_destroyed, 1);
  EXPECT_EQ(t, log.fate(1).destroyed, 0);
  ClaimedRights current;
  EXPECT_EQ(t, table.Claim(kPid, &current), ClaimResult::kRights);
  if (!current.rights.empty())
    EXPECT_EQ(t, log.IdOf(*current.rights.begin()->second), 1);
}

void ClearReleasesLaunchesAndRegistrationsOnce(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  table.Prepare(log.MakeRights({1, 2}, 0));
  auto bound = table.Prepare(log.MakeRights({1}, 2));
  EXPECT_TRUE(t, !table.Bind(bound, kPid, WatchOf(&exit)));
  table.Clear();
  EXPECT_EQ(t, log.destroyed(), 3);
  EXPECT_EQ(t, exit.watches_destroyed, 1);
  EXPECT_EQ(t, table.pending_launch_count(), size_t{0});
  EXPECT_EQ(t, table.registration_count(), size_t{0});
  table.Clear();
  EXPECT_EQ(t, log.destroyed_twice(), 0);
}

using Counts = std::vector<std::pair<size_t, size_t>>;

// Pending launches and registrations as the change callback saw them after a
// bind, a cancel, a give-back and a cancel of an unknown launch.
Counts CountsSeenByTheChangeCallback() {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  Counts seen;
  table.SetOnChange([&] {
    seen.emplace_back(table.pending_launch_count(), table.registration_count());
  });
  auto bound = table.Prepare(log.MakeRights({1}, 0));
  auto cancelled = table.Prepare(log.MakeRights({1}, 1));
  auto given_back = table.Prepare(log.MakeRights({1}, 2));
  table.Bind(bound, kPid, WatchOf(&exit));
  table.Cancel(cancelled);
  table.GiveBack(given_back);
  table.Cancel(cancelled);
  return seen;
}

void ChangesAreAnnouncedAfterTheLockIsReleased(Failures& t) {
  // The callback reads the table: run under the table's lock it would
  // deadlock, so it runs on a thread of its own and a deadlock shows as a
  // failure here instead of a run that never ends (the stuck thread is left
  // behind).
  auto counts = std::make_shared<std::promise<Counts>>();
  std::future<Counts> result = counts->get_future();
  std::thread([counts] {
    counts->set_value(CountsSeenByTheChangeCallback());
  }).detach();
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    t.Add(__FILE__, __LINE__,
          "the change callback could not read the table: it ran under the "
          "table's lock");
    return;
  }
  // Each change is already visible; the unknown launch changed nothing.
  EXPECT_TRUE(t, (result.get() == Counts{{2, 1}, {1, 1}, {0, 1}}));
}

}  // namespace

std::vector<UnitTest> RegistrationTableTests() {
  const char* suite = "RegistrationTable";
  return {
      {suite, "a cancelled launch releases each right once",
       CancelReleasesEveryRightOnce},
      {suite, "a launch given back returns each right, then releases it once",
       GiveBackReturnsEveryRightThenReleasesIt},
      {suite, "giving back a bound launch leaves its registration alone",
       GiveBackAfterBindLeavesTheRegistration},
      {suite, "a claim moves the bound rights out, in key order, once",
       ClaimMovesTheBoundRightsOutInKeyOrder},
      {suite, "a claim waits only while a launch is pending",
       ClaimWaitsOnlyWhileALaunchIsPending},
      {suite,
       "binding a pid that already has rights fails and keeps both launches",
       BindingAPidThatHasRightsFailsAndKeepsBoth},
      {suite, "binding a cancelled launch fails and drops its exit watch",
       BindingAnUnknownLaunchFails},
      {suite, "binding a child that already exited releases its rights",
       BindingAChildThatAlreadyExitedReleasesItsRights},
      {suite, "an exit releases the rights only once the process is gone",
       AnExitReleasesTheRightsOnlyOnceTheProcessIsGone},
      {suite,
       "an undelivered claim is put back, or released once if the pid has a "
       "newer registration",
       UnclaimPutsBackOrReleasesOnce},
      {suite, "clearing releases launches and registrations once",
       ClearReleasesLaunchesAndRegistrationsOnce},
      {suite, "changes are announced after the lock is released",
       ChangesAreAnnouncedAfterTheLockIsReleased},
  };
}

}  // namespace rendezvous::unit
