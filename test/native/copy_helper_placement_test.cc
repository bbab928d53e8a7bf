// Where Linux's StartCopyHelper (linux/copy_helper.cc) puts the helper:
// on every processor the calling thread may use but its own, and nowhere
// when the calling thread may use one processor only; CopyBytes then copies
// alone, as exactly. Each case narrows the calling thread's affinity and
// puts it back.
#include <pthread.h>
#include <sched.h>
#include <uv.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/large_copy.h"
#include "core/seam/copy_helper.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

// This thread's affinity for the life of a case, put back at its end.
class NarrowedAffinity {
 public:
  NarrowedAffinity() {
    ok_ = ::sched_getaffinity(0, sizeof saved_, &saved_) == 0;
  }
  ~NarrowedAffinity() {
    if (ok_)
      (void)::sched_setaffinity(0, sizeof saved_, &saved_);
  }
  bool ok() const { return ok_; }
  const cpu_set_t& saved() const { return saved_; }
  // The first `count` processors this thread may use; false if it may use
  // fewer.
  bool NarrowTo(int count) {
    cpu_set_t narrowed;
    CPU_ZERO(&narrowed);
    int taken = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && taken < count; ++cpu) {
      if (CPU_ISSET(cpu, &saved_)) {
        CPU_SET(cpu, &narrowed);
        ++taken;
      }
    }
    return taken == count &&
           ::sched_setaffinity(0, sizeof narrowed, &narrowed) == 0;
  }

 private:
  cpu_set_t saved_;
  bool ok_ = false;
};

struct Placement {
  cpu_set_t affinity;
  bool read = false;
};

void RecordAffinity(void* argument) {
  auto* placement = static_cast<Placement*>(argument);
  placement->read = ::sched_getaffinity(0, sizeof placement->affinity,
                                        &placement->affinity) == 0;
}

void PlacesTheHelperOffTheCallersProcessor(Failures& t) {
  NarrowedAffinity affinity;
  EXPECT_TRUE(t, affinity.ok());
  if (!affinity.ok() || CPU_COUNT(&affinity.saved()) < 2)
    return;  // one processor: the next case is the one that applies
  Placement placement;
  uv_thread_t helper;
  EXPECT_TRUE(t, StartCopyHelper(&helper, RecordAffinity, &placement));
  EXPECT_EQ(t, uv_thread_join(&helper), 0);
  EXPECT_TRUE(t, placement.read);
  // Every processor the caller may use but exactly one, its own at the
  // start (the caller may have moved since: which one is not checked).
  cpu_set_t missing;
  CPU_XOR(&missing, &affinity.saved(), &placement.affinity);
  EXPECT_EQ(t, CPU_COUNT(&missing), 1);
  cpu_set_t extra;
  CPU_AND(&extra, &missing, &placement.affinity);
  EXPECT_EQ(t, CPU_COUNT(&extra), 0);
}

void CountRun(void* argument) {
  ++*static_cast<int*>(argument);
}

void StartsNoHelperForAThreadOnOneProcessor(Failures& t) {
  NarrowedAffinity affinity;
  EXPECT_TRUE(t, affinity.ok() && affinity.NarrowTo(1));
  int runs = 0;
  uv_thread_t helper;
  bool started = StartCopyHelper(&helper, CountRun, &runs);
  if (started)
    (void)uv_thread_join(&helper);
  EXPECT_TRUE(t, !started);
  EXPECT_EQ(t, runs, 0);
}

void CopiesAloneAsExactlyOnOneProcessor(Failures& t) {
  NarrowedAffinity affinity;
  EXPECT_TRUE(t, affinity.ok() && affinity.NarrowTo(1));
  const size_t size = kSplitCopyBytes + (1 << 20) + 5;
  std::vector<uint8_t> source(size);
  for (size_t i = 0; i < size; ++i)
    source[i] = static_cast<uint8_t>(i * 31 + 7);
  std::vector<uint8_t> destination(size + 1, 0x5A);
  CopyBytes(destination.data(), source.data(), size);
  EXPECT_TRUE(t, std::memcmp(destination.data(), source.data(), size) == 0);
  EXPECT_EQ(t, destination[size], uint8_t{0x5A});
}

}  // namespace

std::vector<UnitTest> CopyHelperPlacementTests() {
  const char* suite = "CopyHelperPlacement";
  return {
      {suite, "places the helper on every processor but the caller's",
       PlacesTheHelperOffTheCallersProcessor},
      {suite, "starts no helper for a thread on one processor",
       StartsNoHelperForAThreadOnOneProcessor},
      {suite, "copies alone, as exactly, on one processor",
       CopiesAloneAsExactlyOnOneProcessor},
  };
}

}  // namespace rendezvous::unit
