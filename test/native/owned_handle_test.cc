// OwnedHandle releases each handle exactly once, as the kind it was given
// with, here or on the release thread it was pointed at.
#include <chrono>
#include <utility>
#include <vector>

#include "core/deferred_release.h"
#include "core/owned_handle.h"
#include "handle_log.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

void KindAndLengthMoveWithTheHandle(Failures& t) {
  ScopedHandleLog log;
  OwnedHandle source(5, RightKind::kSharedMemory, 4096);
  OwnedHandle moved(std::move(source));
  EXPECT_TRUE(t, !source.is_valid());
  EXPECT_EQ(t, moved.get(), int64_t{5});
  EXPECT_EQ(t, moved.kind(), RightKind::kSharedMemory);
  EXPECT_EQ(t, moved.byte_length(), uint64_t{4096});
  OwnedHandle assigned;
  assigned = std::move(moved);
  EXPECT_EQ(t, assigned.kind(), RightKind::kSharedMemory);
  EXPECT_EQ(t, assigned.byte_length(), uint64_t{4096});
  EXPECT_EQ(t, log.total_releases(), 0);
}

void MoveAssignmentReleasesTheOldHandleOnce(Failures& t) {
  ScopedHandleLog log;
  {
    OwnedHandle target(1, RightKind::kFd);
    target = OwnedHandle(2, RightKind::kSendRight);
    EXPECT_EQ(t, log.releases_of(1), 1);
    EXPECT_EQ(t, log.releases_of(2), 0);
  }
  EXPECT_EQ(t, log.releases_of(1), 1);
  EXPECT_EQ(t, log.releases_of(2), 1);
}

void ReleaseAndResetReleaseAtMostOnce(Failures& t) {
  ScopedHandleLog log;
  {
    OwnedHandle given_up(3, RightKind::kFd);
    EXPECT_EQ(t, given_up.release(), int64_t{3});
    OwnedHandle reset(4, RightKind::kFd);
    reset.reset();
    reset.reset();
    EXPECT_TRUE(t, !reset.is_valid());
  }
  EXPECT_EQ(t, log.releases_of(3), 0);
  EXPECT_EQ(t, log.releases_of(4), 1);
}

void PointedAtAReleaseThreadItIsReleasedThereOnce(Failures& t) {
  ScopedHandleLog log;
  DeferredRelease through(4);
  {
    OwnedHandle handle(6, RightKind::kFd);
    handle.ReleaseThrough(&through);
  }
  through.Stop(std::chrono::seconds(5));
  EXPECT_EQ(t, log.releases_of(6), 1);
  EXPECT_EQ(t, log.total_releases(), 1);
}

}  // namespace

std::vector<UnitTest> OwnedHandleTests() {
  const char* suite = "OwnedHandle";
  return {
      {suite, "kind and byte length move with the handle",
       KindAndLengthMoveWithTheHandle},
      {suite, "move assignment releases the old handle once",
       MoveAssignmentReleasesTheOldHandleOnce},
      {suite, "release and reset release at most once",
       ReleaseAndResetReleaseAtMostOnce},
      {suite, "pointed at a release thread, it is released there once",
       PointedAtAReleaseThreadItIsReleasedThereOnce},
  };
}

}  // namespace rendezvous::unit
