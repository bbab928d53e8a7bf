// HeldRequests keeps requests that came before their pid was bound, bounded
// in count and time, and answers each exactly once: with its own pid's
// rights, or empty once nothing is pending or its deadline has passed. Time
// is whatever the test passes in, so no test waits.
#include <chrono>
#include <map>
#include <utility>
#include <vector>

#include "core/held_requests.h"
#include "core/registration_table.h"
#include "fake_rights.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

using Clock = HeldRequests::Clock;
using std::chrono::milliseconds;

constexpr int32_t kPid = 5151;
constexpr int32_t kOtherPid = 5252;
constexpr int32_t kThirdPid = 5353;
constexpr int32_t kFourthPid = 5454;
const Clock::time_point kStart{};
const Clock::time_point kDeadline = kStart + milliseconds(100);

// Every answer, by request id: the ids of the rights it carried.
struct Answers {
  explicit Answers(const RightLog& log) : log(log) {}

  const RightLog& log;
  std::map<uint64_t, std::vector<std::vector<int>>> by_request;

  HeldRequests::Answer Recorder() {
    return [this](uint64_t request_id, int32_t, ClaimedRights claimed) {
      std::vector<int> ids;
      for (const auto& [key, right] : claimed.rights)
        ids.push_back(log.IdOf(*right));
      by_request[request_id].push_back(ids);
    };
  }
  size_t count(uint64_t request_id) const {
    auto it = by_request.find(request_id);
    return it == by_request.end() ? 0 : it->second.size();
  }
  std::vector<int> only(uint64_t request_id) const {
    auto it = by_request.find(request_id);
    if (it == by_request.end() || it->second.size() != 1)
      return {-1};
    return it->second.front();
  }
};

// One request per pid in these tests, so only the overall bound applies.
void HoldsNoMoreThanItsCapacity(Failures& t) {
  HeldRequests held(3);
  EXPECT_TRUE(t, held.Hold(1, kPid, kDeadline));
  EXPECT_TRUE(t, held.Hold(2, kOtherPid, kDeadline));
  EXPECT_TRUE(t, held.Hold(3, kThirdPid, kDeadline));
  EXPECT_TRUE(t, !held.Hold(4, kFourthPid, kDeadline));
  EXPECT_EQ(t, held.count(), size_t{3});
  // Room comes back as requests go.
  held.Drop(2);
  EXPECT_TRUE(t, held.Hold(5, kFourthPid, kDeadline));
  EXPECT_EQ(t, held.count(), size_t{3});
}

// One asker cannot take the slots another child may need.
void HoldsNoMoreThanItsShareForOnePid(Failures& t) {
  HeldRequests held(8, 2);
  EXPECT_TRUE(t, held.Hold(1, kPid, kDeadline));
  EXPECT_TRUE(t, held.Hold(2, kPid, kDeadline));
  EXPECT_TRUE(t, !held.Hold(3, kPid, kDeadline));
  EXPECT_TRUE(t, held.Hold(4, kOtherPid, kDeadline));
  EXPECT_EQ(t, held.count(), size_t{3});
  held.Drop(1);
  EXPECT_TRUE(t, held.Hold(5, kPid, kDeadline));
}

void AnswersWithTheRightsOnceThePidIsBound(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1, 2}, 0));
  HeldRequests held(8);
  Answers answers(log);
  EXPECT_TRUE(t, held.Hold(7, kPid, kDeadline));
  held.Resolve(table, kStart, answers.Recorder());
  EXPECT_EQ(t, answers.count(7), size_t{0});
  EXPECT_EQ(t, held.count(), size_t{1});

  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  held.Resolve(table, kStart + milliseconds(1), answers.Recorder());
  EXPECT_TRUE(t, (answers.only(7) == std::vector<int>{0, 1}));
  EXPECT_EQ(t, held.count(), size_t{0});
  // Answered once: later resolves send nothing more.
  held.Resolve(table, kDeadline, answers.Recorder());
  EXPECT_EQ(t, answers.count(7), size_t{1});
  // The answer owned the rights and let them go, once.
  EXPECT_EQ(t, log.destroyed(), 2);
  EXPECT_EQ(t, log.destroyed_twice(), 0);
}

void NeverAnswersWithAnotherPidsRights(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  auto for_other = table.Prepare(log.MakeRights({1}, 0));
  auto for_this = table.Prepare(log.MakeRights({1}, 1));
  HeldRequests held(8);
  Answers answers(log);
  EXPECT_TRUE(t, held.Hold(1, kPid, kDeadline));
  EXPECT_TRUE(t, held.Hold(2, kOtherPid, kDeadline));
  EXPECT_TRUE(t, !table.Bind(for_other, kOtherPid, WatchOf(&exit)));
  held.Resolve(table, kStart, answers.Recorder());
  EXPECT_TRUE(t, (answers.only(2) == std::vector<int>{0}));
  // Its own launch is still pending: it keeps waiting.
  EXPECT_EQ(t, answers.count(1), size_t{0});
  EXPECT_EQ(t, held.count(), size_t{1});
  ExitState this_exit;
  EXPECT_TRUE(t, !table.Bind(for_this, kPid, WatchOf(&this_exit)));
  held.Resolve(table, kStart, answers.Recorder());
  EXPECT_TRUE(t, (answers.only(1) == std::vector<int>{1}));
}

void AnswersEmptyOnceNoLaunchIsPending(Failures& t) {
  RightLog log;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1}, 0));
  HeldRequests held(8);
  Answers answers(log);
  EXPECT_TRUE(t, held.Hold(3, kPid, kDeadline));
  table.Cancel(launch);
  held.Resolve(table, kStart, answers.Recorder());
  EXPECT_TRUE(t, answers.only(3).empty());
  EXPECT_EQ(t, held.count(), size_t{0});
}

void AnswersEmptyAtItsDeadline(Failures& t) {
  RightLog log;
  RegistrationTable table;
  table.Prepare(log.MakeRights({1}, 0));
  HeldRequests held(8);
  Answers answers(log);
  const auto later = kDeadline + milliseconds(50);
  EXPECT_TRUE(t, held.Hold(1, kPid, kDeadline));
  EXPECT_TRUE(t, held.Hold(2, kOtherPid, later));
  held.Resolve(table, kDeadline - milliseconds(1), answers.Recorder());
  EXPECT_EQ(t, answers.count(1), size_t{0});
  held.Resolve(table, kDeadline, answers.Recorder());
  EXPECT_TRUE(t, answers.only(1).empty());
  EXPECT_EQ(t, answers.count(2), size_t{0});
  EXPECT_EQ(t, held.count(), size_t{1});
  // The pending launch's rights were not handed to a request that gave up.
  EXPECT_EQ(t, table.pending_launch_count(), size_t{1});
  EXPECT_EQ(t, log.destroyed(), 0);
}

void NextDeadlineIsTheEarliestHeld(Failures& t) {
  HeldRequests held(8);
  EXPECT_TRUE(t, !held.NextDeadline().has_value());
  EXPECT_TRUE(t, held.Hold(1, kPid, kDeadline + milliseconds(30)));
  EXPECT_TRUE(t, held.Hold(2, kOtherPid, kDeadline));
  EXPECT_TRUE(t, held.Hold(3, kThirdPid, kDeadline + milliseconds(10)));
  EXPECT_TRUE(t, held.NextDeadline() == kDeadline);
  held.Drop(2);
  EXPECT_TRUE(t, held.NextDeadline() == kDeadline + milliseconds(10));
  held.Drop(1);
  held.Drop(3);
  EXPECT_TRUE(t, !held.NextDeadline().has_value());
}

void ADroppedRequestIsNeverAnswered(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1}, 0));
  HeldRequests held(8);
  Answers answers(log);
  EXPECT_TRUE(t, held.Hold(1, kPid, kDeadline));
  held.Drop(1);
  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  held.Resolve(table, kDeadline, answers.Recorder());
  EXPECT_EQ(t, answers.count(1), size_t{0});
  // Its rights stay registered for a request that is still there.
  EXPECT_TRUE(t, table.IsRegistered(kPid));
  EXPECT_EQ(t, log.destroyed(), 0);
}

}  // namespace

std::vector<UnitTest> HeldRequestsTests() {
  const char* suite = "HeldRequests";
  return {
      {suite, "holds no more requests than its capacity",
       HoldsNoMoreThanItsCapacity},
      {suite, "holds no more than its share of requests from one pid",
       HoldsNoMoreThanItsShareForOnePid},
      {suite, "answers with the rights once the pid is bound, once",
       AnswersWithTheRightsOnceThePidIsBound},
      {suite, "never answers with another pid's rights",
       NeverAnswersWithAnotherPidsRights},
      {suite, "answers empty once no launch is pending",
       AnswersEmptyOnceNoLaunchIsPending},
      {suite, "answers empty at its deadline, not before",
       AnswersEmptyAtItsDeadline},
      {suite, "the next deadline is the earliest held one",
       NextDeadlineIsTheEarliestHeld},
      {suite, "a dropped request is never answered",
       ADroppedRequestIsNeverAnswered},
  };
}

}  // namespace rendezvous::unit
