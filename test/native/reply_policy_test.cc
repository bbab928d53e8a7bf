// ReplyPolicy decides, for every backend, what a request gets and what
// becomes of rights whose reply could not go: refused for now, they are
// kept and sent again every 50 ms until the pending-request timeout, then
// put back in the table; refused for good, they go back at once; they are
// never released by a failed send, and never sent to a process other than
// the one they were bound to. The transport here only records and answers
// as scripted; time is whatever the test passes in.
#include <chrono>
#include <deque>
#include <utility>
#include <vector>

#include "core/registration_table.h"
#include "core/reply_policy.h"
#include "fake_rights.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

using Clock = ReplyPolicy::Clock;
using std::chrono::milliseconds;

constexpr int32_t kPid = 7171;
const Clock::time_point kStart{};
constexpr milliseconds kTimeout{300};

class ScriptedTransport : public ReplyTransport {
 public:
  explicit ScriptedTransport(const RightLog& log) : log_(log) {}

  // What the next sends return, in order; then kSent.
  std::deque<SendResult> script;
  bool bound = true;
  bool strangers_get_empty = true;
  // The right ids each send carried, and the requests finished, in order.
  std::vector<std::vector<int>> sends;
  std::vector<uint64_t> finished;

  bool IsBoundProcess(uint64_t, const ClaimedRights&) override { return bound; }
  bool AnswersStrangersEmpty() const override { return strangers_get_empty; }
  SendOutcome Send(uint64_t, ClaimedRights& claimed) override {
    std::vector<int> ids;
    for (const auto& [key, right] : claimed.rights)
      ids.push_back(log_.IdOf(*right));
    sends.push_back(ids);
    SendResult result = SendResult::kSent;
    if (!script.empty()) {
      result = script.front();
      script.pop_front();
    }
    return SendOutcome{result, 55, "scripted"};
  }
  void Finish(uint64_t request) override { finished.push_back(request); }

 private:
  const RightLog& log_;
};

ServerLimits Limits() {
  ServerLimits limits;
  limits.pending_request_timeout = kTimeout;
  return limits;
}

bool AnyParent() {
  return true;
}

// A registration for kPid, under a watch whose exit the test decides.
struct Registered {
  Registered() {
    table.Bind(table.Prepare(log.MakeRights({1, 2}, 0)), kPid, WatchOf(&exit));
  }
  RightLog log;
  ExitState exit;
  RegistrationTable table;
};

void AnswersARegisteredPidAtOnce(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_TRUE(t, transport.sends.size() == 1 &&
                     (transport.sends[0] == std::vector<int>{0, 1}));
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
  EXPECT_TRUE(t, !policy.IsWaiting(1));
  // Sent: the server's copies go, once.
  EXPECT_EQ(t, r.log.destroyed(), 2);
}

void HoldsAPendingPidUntilItIsBound(Failures& t) {
  RightLog log;
  ExitState exit;
  RegistrationTable table;
  auto launch = table.Prepare(log.MakeRights({1}, 0));
  ScriptedTransport transport(log);
  ReplyPolicy policy(&table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_TRUE(t, transport.sends.empty());
  EXPECT_TRUE(t, policy.IsWaiting(1));
  EXPECT_EQ(t, policy.held_count(), size_t{1});
  EXPECT_TRUE(t, policy.NextDeadline() == kStart + kTimeout);
  EXPECT_TRUE(t, !table.Bind(launch, kPid, WatchOf(&exit)));
  policy.OnTick(kStart + milliseconds(1));
  EXPECT_TRUE(t, transport.sends.size() == 1 &&
                     transport.sends[0] == std::vector<int>{0});
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
  EXPECT_EQ(t, policy.held_count(), size_t{0});
}

void AnswersEmptyWhenNothingIsPending(Failures& t) {
  RightLog log;
  RegistrationTable table;
  ScriptedTransport transport(log);
  ReplyPolicy policy(&table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_TRUE(t, transport.sends.size() == 1 && transport.sends[0].empty());
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
}

void ResendsARefusedReplyEveryIntervalUntilItGoes(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  transport.script = {SendResult::kRefusedForNow, SendResult::kRefusedForNow};
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_TRUE(t, policy.IsWaiting(1));
  EXPECT_TRUE(t, transport.finished.empty());
  EXPECT_TRUE(t, policy.NextDeadline() == kStart + kReplyRetryInterval);
  policy.OnTick(kStart + kReplyRetryInterval - milliseconds(1));
  EXPECT_EQ(t, transport.sends.size(), size_t{1});
  policy.OnTick(kStart + kReplyRetryInterval);
  EXPECT_EQ(t, transport.sends.size(), size_t{2});
  EXPECT_EQ(t, r.log.destroyed(), 0);
  policy.OnTick(kStart + 2 * kReplyRetryInterval);
  // Every try carried the same rights; the third went.
  EXPECT_TRUE(t, transport.sends.size() == 3 &&
                     (transport.sends[2] == std::vector<int>{0, 1}));
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
  EXPECT_TRUE(t, !policy.IsWaiting(1));
  EXPECT_TRUE(t, !r.table.IsRegistered(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 2);
  EXPECT_EQ(t, r.log.destroyed_twice(), 0);
}

void PutsTheRightsBackWhenTheTimeToResendIsOver(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  transport.script.assign(100, SendResult::kRefusedForNow);
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  for (auto now = kStart; now < kStart + kTimeout; now += kReplyRetryInterval)
    policy.OnTick(now);
  EXPECT_TRUE(t, policy.IsWaiting(1));
  EXPECT_TRUE(t, !r.table.IsRegistered(kPid));
  policy.OnTick(kStart + kTimeout);
  EXPECT_TRUE(t, !policy.IsWaiting(1));
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
  // Back in the table, unreleased: they go when the child exits.
  EXPECT_TRUE(t, r.table.IsRegistered(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 0);
  r.exit.exited = true;
  EXPECT_TRUE(t, r.table.ReleaseIfExited(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 2);
}

void PutsTheRightsBackAtOnceWhenRefusedForGood(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  transport.script = {SendResult::kRefused};
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_EQ(t, transport.sends.size(), size_t{1});
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
  EXPECT_TRUE(t, !policy.IsWaiting(1));
  EXPECT_TRUE(t, r.table.IsRegistered(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 0);
  EXPECT_TRUE(t, !policy.NextDeadline().has_value());
}

void AnAskerThatLeavesGivesTheRightsBack(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  transport.script = {SendResult::kRefusedForNow};
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  policy.Forget(1);
  EXPECT_TRUE(t, !policy.IsWaiting(1));
  EXPECT_TRUE(t, r.table.IsRegistered(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 0);
  // Nothing is sent for it any more.
  policy.OnTick(kStart + kTimeout);
  EXPECT_EQ(t, transport.sends.size(), size_t{1});
}

void ALostSendIsNeitherResentNorPutBack(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  transport.script = {SendResult::kLost};
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  policy.OnTick(kStart + kTimeout);
  EXPECT_EQ(t, transport.sends.size(), size_t{1});
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
  EXPECT_TRUE(t, !r.table.IsRegistered(kPid));
}

void NeverSendsToAnotherProcessWithThePid(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  transport.bound = false;
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_TRUE(t, transport.sends.size() == 1 && transport.sends[0].empty());
  // The registered process still runs: its rights wait for it.
  EXPECT_TRUE(t, r.table.IsRegistered(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 0);
}

void DropsAStrangerUnansweredWhereThatIsTheRule(Failures& t) {
  Registered r;
  ScriptedTransport transport(r.log);
  transport.bound = false;
  transport.strangers_get_empty = false;
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_TRUE(t, transport.sends.empty());
  EXPECT_TRUE(t, (transport.finished == std::vector<uint64_t>{1}));
  EXPECT_TRUE(t, r.table.IsRegistered(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 0);
}

void ReleasesAStrangersClaimOnceItsProcessExited(Failures& t) {
  Registered r;
  r.exit.exited = true;  // the registered process is gone; another has kPid
  ScriptedTransport transport(r.log);
  transport.bound = false;
  ReplyPolicy policy(&r.table, Limits(), DebugLog(), &transport);
  policy.OnRequest(1, kPid, kStart, AnyParent);
  EXPECT_TRUE(t, transport.sends.size() == 1 && transport.sends[0].empty());
  EXPECT_TRUE(t, !r.table.IsRegistered(kPid));
  EXPECT_EQ(t, r.log.destroyed(), 2);
}

}  // namespace

std::vector<UnitTest> ReplyPolicyTests() {
  const char* suite = "ReplyPolicy";
  return {
      {suite, "answers a registered pid at once", AnswersARegisteredPidAtOnce},
      {suite, "holds a pending pid's request until it is bound",
       HoldsAPendingPidUntilItIsBound},
      {suite, "answers empty when nothing is pending",
       AnswersEmptyWhenNothingIsPending},
      {suite, "resends a reply refused for now every 50 ms until it goes",
       ResendsARefusedReplyEveryIntervalUntilItGoes},
      {suite, "puts the rights back when the time to resend is over",
       PutsTheRightsBackWhenTheTimeToResendIsOver},
      {suite, "puts the rights back at once when refused for good",
       PutsTheRightsBackAtOnceWhenRefusedForGood},
      {suite, "an asker that leaves gives its kept rights back",
       AnAskerThatLeavesGivesTheRightsBack},
      {suite, "a lost send is neither resent nor put back",
       ALostSendIsNeitherResentNorPutBack},
      {suite, "never sends rights to another process with the pid",
       NeverSendsToAnotherProcessWithThePid},
      {suite, "drops a stranger unanswered where that is the transport's rule",
       DropsAStrangerUnansweredWhereThatIsTheRule},
      {suite, "releases a stranger's claim once its process exited",
       ReleasesAStrangersClaimOnceItsProcessExited},
  };
}

}  // namespace rendezvous::unit
