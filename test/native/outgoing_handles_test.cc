// TakeMessageHandles makes an outgoing message's handles: copies are
// duplicated, moved handles and channel ends taken, each in its listed
// place; and when any check fails, or a duplicate cannot be made, nothing
// is taken, no end is given up, and only the copies already made are
// released. The system's checks and duplicates are fakes that record what
// they were asked; releases go to the test's handle log.
#include <string>
#include <vector>

#include "core/outgoing_handles.h"
#include "handle_log.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

// A duplicate of handle h is h + kCopyOffset.
constexpr int64_t kCopyOffset = 1000;

class FakeHandleSystem : public HandleSystem {
 public:
  bool CheckFds(const std::vector<RightSpec>& fds, Error* error) override {
    checked = fds;
    if (!refuse_fds)
      return true;
    *error = Error::Make(codes::kInvalidRight, "a descriptor is not open");
    return false;
  }
  bool MarkMovedFdsCloseOnExec(const std::vector<RightSpec>& fds,
                               Error* /*error*/) override {
    marked = fds;
    return true;
  }
  bool Duplicate(int64_t handle,
                 RightKind kind,
                 OwnedHandle* copy,
                 Error* error) override {
    if (handle == fail_duplicate_of) {
      *error = Error::Make(codes::kSystem, "no descriptor left");
      return false;
    }
    duplicated.push_back(handle);
    *copy = OwnedHandle(handle + kCopyOffset, kind);
    return true;
  }

  bool refuse_fds = false;
  int64_t fail_duplicate_of = -1;
  std::vector<RightSpec> checked;
  std::vector<RightSpec> marked;
  std::vector<int64_t> duplicated;
};

class FakeEnd : public TransferableEnd {
 public:
  explicit FakeEnd(int64_t endpoint) : endpoint_(endpoint) {}
  bool CheckTransferable(Error* error) const override {
    if (!busy)
      return true;
    *error = Error::Make(codes::kChannelBusy, "in the middle of a message");
    return false;
  }
  OwnedHandle GiveUpEndpoint() override {
    ++given_up;
    return OwnedHandle(endpoint_, RightKind::kChannel);
  }

  bool busy = false;
  int given_up = 0;

 private:
  const int64_t endpoint_;
};

void EachHandleKeepsItsListedPlace(Failures& t) {
  ScopedHandleLog log;
  FakeHandleSystem system;
  FakeEnd end(70);
  std::vector<OwnedHandle> out;
  Error error;
  bool taken = TakeMessageHandles(
      {OutgoingHandle::Copy(5, RightKind::kFd),
       OutgoingHandle::Move(6, RightKind::kFd), OutgoingHandle::HandOver(&end),
       OutgoingHandle::Copy(8, RightKind::kSharedMemory, 4096)},
      system, &out, &error);
  EXPECT_TRUE(t, taken);
  EXPECT_EQ(t, out.size(), size_t{4});
  if (out.size() == 4) {
    EXPECT_EQ(t, out[0].get(), 5 + kCopyOffset);
    EXPECT_EQ(t, out[1].get(), int64_t{6});
    EXPECT_EQ(t, out[2].get(), int64_t{70});
    EXPECT_EQ(t, out[2].kind(), RightKind::kChannel);
    EXPECT_EQ(t, out[3].get(), 8 + kCopyOffset);
    EXPECT_EQ(t, out[3].kind(), RightKind::kSharedMemory);
    EXPECT_EQ(t, out[3].byte_length(), uint64_t{4096});
  }
  EXPECT_EQ(t, end.given_up, 1);
  out.clear();  // the message is dropped: it owns exactly what it took
  EXPECT_EQ(t, log.releases_of(5), 0);
  EXPECT_EQ(t, log.releases_of(8), 0);
  EXPECT_EQ(t, log.releases_of(5 + kCopyOffset), 1);
  EXPECT_EQ(t, log.releases_of(6), 1);
  EXPECT_EQ(t, log.releases_of(70), 1);
  EXPECT_EQ(t, log.total_releases(), 4);
}

void AFailedDuplicateReleasesTheCopiesAndTakesNothing(Failures& t) {
  ScopedHandleLog log;
  FakeHandleSystem system;
  system.fail_duplicate_of = 7;
  FakeEnd end(70);
  std::vector<OwnedHandle> out;
  Error error;
  bool taken = TakeMessageHandles(
      {OutgoingHandle::Copy(5, RightKind::kFd),
       OutgoingHandle::Move(6, RightKind::kFd), OutgoingHandle::HandOver(&end),
       OutgoingHandle::Copy(7, RightKind::kFd)},
      system, &out, &error);
  EXPECT_TRUE(t, !taken);
  EXPECT_EQ(t, error.code, std::string(codes::kSystem));
  EXPECT_TRUE(t, out.empty());
  EXPECT_EQ(t, end.given_up, 0);
  EXPECT_EQ(t, log.releases_of(5 + kCopyOffset), 1);
  EXPECT_EQ(t, log.releases_of(6), 0);
  EXPECT_EQ(t, log.total_releases(), 1);
}

void ARefusedDescriptorDuplicatesNothingAndKeepsTheEnds(Failures& t) {
  ScopedHandleLog log;
  FakeHandleSystem system;
  system.refuse_fds = true;
  FakeEnd end(70);
  std::vector<OwnedHandle> out;
  Error error;
  bool taken = TakeMessageHandles(
      {OutgoingHandle::HandOver(&end), OutgoingHandle::Copy(5, RightKind::kFd)},
      system, &out, &error);
  EXPECT_TRUE(t, !taken);
  EXPECT_EQ(t, error.code, std::string(codes::kInvalidRight));
  EXPECT_TRUE(t, system.duplicated.empty());
  EXPECT_EQ(t, end.given_up, 0);
  EXPECT_EQ(t, log.total_releases(), 0);
}

void AnEndMidMessageRefusesTheMessageFirst(Failures& t) {
  ScopedHandleLog log;
  FakeHandleSystem system;
  FakeEnd ready(70);
  FakeEnd busy(71);
  busy.busy = true;
  std::vector<OwnedHandle> out;
  Error error;
  bool taken = TakeMessageHandles({OutgoingHandle::HandOver(&ready),
                                   OutgoingHandle::Copy(5, RightKind::kFd),
                                   OutgoingHandle::HandOver(&busy)},
                                  system, &out, &error);
  EXPECT_TRUE(t, !taken);
  EXPECT_EQ(t, error.code, std::string(codes::kChannelBusy));
  EXPECT_TRUE(t, system.checked.empty());
  EXPECT_TRUE(t, system.duplicated.empty());
  EXPECT_EQ(t, ready.given_up, 0);
  EXPECT_EQ(t, busy.given_up, 0);
}

void TheSameEndTwiceIsRefused(Failures& t) {
  ScopedHandleLog log;
  FakeHandleSystem system;
  FakeEnd end(70);
  std::vector<OwnedHandle> out;
  Error error;
  bool taken = TakeMessageHandles(
      {OutgoingHandle::HandOver(&end), OutgoingHandle::HandOver(&end)}, system,
      &out, &error);
  EXPECT_TRUE(t, !taken);
  EXPECT_EQ(t, error.code, std::string(codes::kInvalidRight));
  EXPECT_EQ(t, error.message, std::string("A channel end is sent twice"));
  EXPECT_EQ(t, end.given_up, 0);
}

void OnlyDescriptorsGetTheDescriptorChecks(Failures& t) {
  ScopedHandleLog log;
  FakeHandleSystem system;
  FakeEnd end(70);
  std::vector<OwnedHandle> out;
  Error error;
  EXPECT_TRUE(t, TakeMessageHandles(
                     {OutgoingHandle::Copy(8, RightKind::kSharedMemory, 64),
                      OutgoingHandle::Copy(5, RightKind::kFd),
                      OutgoingHandle::HandOver(&end),
                      OutgoingHandle::Move(6, RightKind::kFd),
                      OutgoingHandle::Move(9, RightKind::kSendRight)},
                     system, &out, &error));
  EXPECT_EQ(t, system.checked.size(), size_t{2});
  if (system.checked.size() == 2) {
    EXPECT_EQ(t, system.checked[0].key, uint32_t{1});
    EXPECT_EQ(t, system.checked[0].handle, int64_t{5});
    EXPECT_EQ(t, system.checked[0].disposition, std::string("copy"));
    EXPECT_EQ(t, system.checked[1].key, uint32_t{3});
    EXPECT_EQ(t, system.checked[1].disposition, std::string("move"));
  }
  EXPECT_EQ(t, system.marked.size(), size_t{2});
}

}  // namespace

std::vector<UnitTest> OutgoingHandlesTests() {
  const char* suite = "OutgoingHandles";
  return {
      {suite,
       "each handle keeps its listed place, and the message owns what it took",
       EachHandleKeepsItsListedPlace},
      {suite, "a failed duplicate releases the copies made and takes nothing",
       AFailedDuplicateReleasesTheCopiesAndTakesNothing},
      {suite, "a refused descriptor duplicates nothing and keeps the ends",
       ARefusedDescriptorDuplicatesNothingAndKeepsTheEnds},
      {suite, "an end in the middle of a message refuses the message first",
       AnEndMidMessageRefusesTheMessageFirst},
      {suite, "the same end listed twice is refused", TheSameEndTwiceIsRefused},
      {suite, "only descriptors get the descriptor checks, by listed index",
       OnlyDescriptorsGetTheDescriptorChecks},
  };
}

}  // namespace rendezvous::unit
