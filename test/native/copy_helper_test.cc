// StartCopyHelper (core/seam/copy_helper.h) on every platform: where the
// machine has more than one processor it starts a thread that runs the work
// once, with its argument, and that thread can be joined.
#include <uv.h>

#include <atomic>
#include <thread>

#include "core/seam/copy_helper.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

void CountRun(void* argument) {
  static_cast<std::atomic<int>*>(argument)->fetch_add(1);
}

void RunsTheWorkOnceOnAThreadItStarts(Failures& t) {
  if (std::thread::hardware_concurrency() < 2)
    return;  // one processor: no helper, which CopyHelperPlacement checks
  std::atomic<int> runs{0};
  uv_thread_t helper;
  EXPECT_TRUE(t, StartCopyHelper(&helper, CountRun, &runs));
  EXPECT_EQ(t, uv_thread_join(&helper), 0);
  EXPECT_EQ(t, runs.load(), 1);
}

}  // namespace

std::vector<UnitTest> CopyHelperTests() {
  const char* suite = "CopyHelper";
  return {
      {suite, "runs the work once, on a thread it starts",
       RunsTheWorkOnceOnAThreadItStarts},
  };
}

}  // namespace rendezvous::unit
