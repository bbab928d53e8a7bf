// UnsentReplies keeps the rights of a reply the kernel refused for now, hands
// them out again every retry interval until the episode's deadline, and
// hands them back when the asker leaves. Time is whatever the test passes
// in, so no test waits.
#include <chrono>
#include <utility>
#include <vector>

#include "core/unsent_replies.h"
#include "fake_rights.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

using Clock = UnsentReplies::Clock;
using Kept = UnsentReplies::Kept;
using std::chrono::milliseconds;

constexpr int32_t kPid = 6161;
const Clock::time_point kStart{};
constexpr milliseconds kRetry{50};
constexpr milliseconds kGiveUp{200};

ClaimedRights Claim(RightLog& log, int first_id) {
  ClaimedRights claimed;
  claimed.rights = log.MakeRights({1, 2}, first_id);
  return claimed;
}

void KeepsTheRightsAndSaysOncePerEpisode(Failures& t) {
  RightLog log;
  UnsentReplies unsent(kRetry, kGiveUp);
  ClaimedRights claimed = Claim(log, 0);
  EXPECT_EQ(t, unsent.Keep(1, kPid, &claimed, kStart), Kept::kFirstRefusal);
  EXPECT_TRUE(t, claimed.rights.empty());
  EXPECT_TRUE(t, unsent.Contains(1));
  EXPECT_EQ(t, log.destroyed(), 0);
  std::vector<UnsentReplies::Due> due = unsent.TakeDue(kStart + kRetry);
  EXPECT_EQ(t, due.size(), size_t{1});
  if (due.size() != 1)
    return;
  // Refused again: the same episode, not a new one to report.
  EXPECT_EQ(t, unsent.Keep(1, kPid, &due[0].claimed, kStart + kRetry),
            Kept::kAgain);
  due = unsent.TakeDue(kStart + 2 * kRetry);
  EXPECT_EQ(t, due.size(), size_t{1});
  if (due.size() != 1)
    return;
  // Sent at last: the episode ends, and the rights are the sender's.
  unsent.End(1);
  EXPECT_TRUE(t, !unsent.Contains(1));
  EXPECT_EQ(t, log.destroyed(), 0);
  // A new refusal of the same request is a new episode.
  EXPECT_EQ(t, unsent.Keep(1, kPid, &due[0].claimed, kStart + 3 * kRetry),
            Kept::kFirstRefusal);
}

void HandsOutEveryRetryIntervalNotBefore(Failures& t) {
  RightLog log;
  UnsentReplies unsent(kRetry, kGiveUp);
  ClaimedRights claimed = Claim(log, 0);
  unsent.Keep(1, kPid, &claimed, kStart);
  EXPECT_TRUE(t, unsent.NextRetry() == kStart + kRetry);
  EXPECT_TRUE(t, unsent.TakeDue(kStart + kRetry - milliseconds(1)).empty());
  std::vector<UnsentReplies::Due> due = unsent.TakeDue(kStart + kRetry);
  EXPECT_EQ(t, due.size(), size_t{1});
  if (due.size() != 1)
    return;
  EXPECT_EQ(t, due[0].request_id, uint64_t{1});
  EXPECT_EQ(t, due[0].pid, kPid);
  EXPECT_EQ(t, due[0].claimed.rights.size(), size_t{2});
  // Handed out: not due again, and no retry time, until it is kept again.
  EXPECT_TRUE(t, unsent.TakeDue(kStart + kGiveUp).empty());
  EXPECT_TRUE(t, !unsent.NextRetry().has_value());
  EXPECT_TRUE(t, unsent.Contains(1));
}

void GivesUpAtTheDeadlineOfItsFirstRefusal(Failures& t) {
  RightLog log;
  UnsentReplies unsent(kRetry, kGiveUp);
  ClaimedRights claimed = Claim(log, 0);
  unsent.Keep(1, kPid, &claimed, kStart);
  std::vector<UnsentReplies::Due> due = unsent.TakeDue(kStart + kGiveUp);
  EXPECT_EQ(t, due.size(), size_t{1});
  if (due.size() != 1)
    return;
  // Later refusals do not move the deadline: the time is up.
  EXPECT_EQ(t, unsent.Keep(1, kPid, &due[0].claimed, kStart + kGiveUp),
            Kept::kTimeIsUp);
  EXPECT_EQ(t, due[0].claimed.rights.size(), size_t{2});
  EXPECT_TRUE(t, !unsent.Contains(1));
  EXPECT_EQ(t, log.destroyed(), 0);
}

void ForgetHandsBackWhatItKept(Failures& t) {
  RightLog log;
  UnsentReplies unsent(kRetry, kGiveUp);
  ClaimedRights claimed = Claim(log, 0);
  unsent.Keep(1, kPid, &claimed, kStart);
  std::optional<UnsentReplies::Due> kept = unsent.Forget(1);
  EXPECT_TRUE(t, kept.has_value());
  EXPECT_TRUE(t, kept && kept->pid == kPid);
  EXPECT_TRUE(t, kept && kept->claimed.rights.size() == 2);
  EXPECT_TRUE(t, !unsent.Contains(1));
  EXPECT_TRUE(t, !unsent.Forget(1).has_value());
  EXPECT_EQ(t, log.destroyed(), 0);
}

void NextRetryIsTheEarliest(Failures& t) {
  RightLog log;
  UnsentReplies unsent(kRetry, kGiveUp);
  EXPECT_TRUE(t, !unsent.NextRetry().has_value());
  ClaimedRights first = Claim(log, 0);
  ClaimedRights second = Claim(log, 2);
  unsent.Keep(1, kPid, &first, kStart + milliseconds(10));
  unsent.Keep(2, kPid + 1, &second, kStart);
  EXPECT_TRUE(t, unsent.NextRetry() == kStart + kRetry);
  std::optional<UnsentReplies::Due> kept = unsent.Forget(2);
  EXPECT_TRUE(t, unsent.NextRetry() == kStart + milliseconds(10) + kRetry);
}

}  // namespace

std::vector<UnitTest> UnsentRepliesTests() {
  const char* suite = "UnsentReplies";
  return {
      {suite, "keeps the rights, and reports an episode once",
       KeepsTheRightsAndSaysOncePerEpisode},
      {suite, "hands the rights out every retry interval, not before",
       HandsOutEveryRetryIntervalNotBefore},
      {suite, "gives up at the deadline of its first refusal",
       GivesUpAtTheDeadlineOfItsFirstRefusal},
      {suite, "hands back what it kept when the asker leaves",
       ForgetHandsBackWhatItKept},
      {suite, "the next retry is the earliest one", NextRetryIsTheEarliest},
  };
}

}  // namespace rendezvous::unit
