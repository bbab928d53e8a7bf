// BodyPool hands a body out again only after the peer released it, refuses
// every release the peer had no right to send, keeps within its bounds by
// dropping free bodies (never outstanding ones), and drops idle ones.
#include <memory>
#include <vector>

#include "core/body_pool.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

class FakeBody : public PooledBody {
 public:
  explicit FakeBody(uint64_t capacity) : capacity_(capacity) {}
  uint64_t capacity() const override { return capacity_; }
  bool Fill(const uint8_t* /*data*/,
            uint64_t /*size*/,
            Error* /*error*/) override {
    return true;
  }
  bool Duplicate(OwnedHandle* /*out*/, Error* /*error*/) const override {
    return false;
  }

 private:
  uint64_t capacity_;
};

std::unique_ptr<PooledBody> Body(uint64_t capacity) {
  return std::make_unique<FakeBody>(capacity);
}

void SizeClassesArePowersOfTwoFromOneMiB(Failures& t) {
  EXPECT_EQ(t, BodyPool::SizeClass(1), kMiB);
  EXPECT_EQ(t, BodyPool::SizeClass(kMiB), kMiB);
  EXPECT_EQ(t, BodyPool::SizeClass(kMiB + 1), 2 * kMiB);
  EXPECT_EQ(t, BodyPool::SizeClass(64 * kMiB), 64 * kMiB);
  EXPECT_EQ(t, BodyPool::SizeClass(65 * kMiB), 128 * kMiB);
}

void ReusesABodyOnlyOnceReleased(Failures& t) {
  BodyPool pool;
  BodyPool::Lease first = pool.Add(Body(kMiB), 0);
  BodyPool::Lease lease;
  EXPECT_TRUE(t, !pool.Acquire(kMiB, 1, &lease));  // still outstanding
  EXPECT_TRUE(t, pool.Release(first.id, 2) == BodyRelease::kReleased);
  EXPECT_TRUE(t, !pool.Acquire(2 * kMiB, 3, &lease));  // another class
  EXPECT_TRUE(t, pool.Acquire(kMiB, 3, &lease));
  EXPECT_EQ(t, lease.id, first.id);
  EXPECT_EQ(t, pool.reuses(), uint64_t{1});
  EXPECT_TRUE(t, !pool.Acquire(kMiB, 4, &lease));
}

void RefusesReleasesThePeerHadNoRightToSend(Failures& t) {
  BodyPool pool;
  BodyPool::Lease first = pool.Add(Body(kMiB), 0);
  EXPECT_TRUE(t, pool.Release(0, 1) == BodyRelease::kUnknown);
  EXPECT_TRUE(t, pool.Release(first.id + 1, 1) == BodyRelease::kUnknown);
  EXPECT_TRUE(t, pool.Release(first.id, 1) == BodyRelease::kReleased);
  EXPECT_TRUE(t, pool.Release(first.id, 1) == BodyRelease::kNotOutstanding);
  pool.DropIdle(100000);
  EXPECT_EQ(t, pool.size(), size_t{0});
  // Dropped: a release for it is still not one the peer may send.
  EXPECT_TRUE(t, pool.Release(first.id, 1) == BodyRelease::kNotOutstanding);
}

void MakesRoomByDroppingFreeBodiesOnly(Failures& t) {
  BodyPool pool({2, 8 * kMiB, 1000});
  BodyPool::Lease a = pool.Add(Body(kMiB), 0);
  BodyPool::Lease b = pool.Add(Body(kMiB), 1);
  EXPECT_TRUE(t, !pool.MakeRoom(kMiB));  // both outstanding
  EXPECT_TRUE(t, pool.Release(b.id, 2) == BodyRelease::kReleased);
  EXPECT_TRUE(t, pool.MakeRoom(kMiB));
  EXPECT_EQ(t, pool.size(), size_t{1});
  BodyPool::Lease lease;
  EXPECT_TRUE(t, !pool.Acquire(kMiB, 3, &lease));  // b went, a is held
  EXPECT_TRUE(t, !pool.MakeRoom(16 * kMiB));       // past max_bytes
  EXPECT_TRUE(t, pool.Release(a.id, 3) == BodyRelease::kReleased);
}

void DropsIdleBodiesAndCountsProcessBytes(Failures& t) {
  uint64_t before = BodyPool::process_pooled_bytes();
  {
    BodyPool pool({4, 256 * kMiB, 1000});
    BodyPool::Lease a = pool.Add(Body(4 * kMiB), 0);
    pool.Add(Body(kMiB), 0);
    EXPECT_EQ(t, BodyPool::process_pooled_bytes(), before + 5 * kMiB);
    EXPECT_TRUE(t, pool.Release(a.id, 10) == BodyRelease::kReleased);
    pool.DropIdle(500);
    EXPECT_EQ(t, pool.size(), size_t{2});
    pool.DropIdle(1010);
    EXPECT_EQ(t, pool.size(), size_t{1});  // the outstanding one stays
    EXPECT_EQ(t, pool.pooled_bytes(), kMiB);
  }
  EXPECT_EQ(t, BodyPool::process_pooled_bytes(), before);
}

}  // namespace

std::vector<UnitTest> BodyPoolTests() {
  return {
      {"BodyPool", "size classes are powers of two from 1 MiB",
       SizeClassesArePowersOfTwoFromOneMiB},
      {"BodyPool", "reuses a body only once released",
       ReusesABodyOnlyOnceReleased},
      {"BodyPool", "refuses releases the peer had no right to send",
       RefusesReleasesThePeerHadNoRightToSend},
      {"BodyPool", "makes room by dropping free bodies only",
       MakesRoomByDroppingFreeBodiesOnly},
      {"BodyPool", "drops idle bodies and counts the process's bytes",
       DropsIdleBodiesAndCountsProcessBytes},
  };
}

}  // namespace rendezvous::unit
