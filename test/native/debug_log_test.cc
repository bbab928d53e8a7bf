// The process-wide log is on exactly when NODE_DEBUG names "rendezvous" as
// Node's util.debuglog reads it, so native and JS lines come together.
#include <vector>

#include "core/debug_log.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

void NamesRendezvousAsNodeDoes(Failures& t) {
  for (const char* value :
       {"rendezvous", "RENDEZVOUS", "net,rendezvous", "rendezvous,net", "*",
        "rendez*", "*vous", "r*z*s", "net,,rendezvous"}) {
    EXPECT_TRUE(t, NodeDebugNames(value, "rendezvous"));
  }
}

void DoesNotNameRendezvousOtherwise(Failures& t) {
  for (const char* value : {"", "net", "rendezvou", "rendezvous2",
                            " rendezvous", "rendezvous ", "rendezvous.", ","}) {
    EXPECT_TRUE(t, !NodeDebugNames(value, "rendezvous"));
  }
  EXPECT_TRUE(t, !NodeDebugNames(nullptr, "rendezvous"));
}

void TheProcessLogIsOffUntilTurnedOn(Failures& t) {
  EXPECT_TRUE(t, !ProcessDebugLog().enabled());
  SetProcessDebugLog(true, 1);
  EXPECT_TRUE(t, ProcessDebugLog().enabled());
  SetProcessDebugLog(false, 0);
  EXPECT_TRUE(t, !ProcessDebugLog().enabled());
}

}  // namespace

std::vector<UnitTest> DebugLogTests() {
  const char* suite = "DebugLog";
  return {
      {suite, "NODE_DEBUG names rendezvous as Node reads it",
       NamesRendezvousAsNodeDoes},
      {suite, "NODE_DEBUG does not name rendezvous otherwise",
       DoesNotNameRendezvousOtherwise},
      {suite, "the process log is off until turned on",
       TheProcessLogIsOffUntilTurnedOn},
  };
}

}  // namespace rendezvous::unit
