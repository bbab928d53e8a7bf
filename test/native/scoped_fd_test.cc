// ScopedFd closes the real descriptor it owns exactly once, and a close that
// fails is logged under NODE_DEBUG=rendezvous, never lost.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "captured_stderr.h"
#include "core/debug_log.h"
#include "posix/scoped_fd.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

bool IsOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

// One end of a new pipe (the other is closed), or -1.
int OpenDescriptor() {
  int ends[2];
  if (::pipe(ends) != 0)
    return -1;
  ::close(ends[1]);
  return ends[0];
}

// A number no descriptor has: far above the lowest free one, which is what
// any other thread opening a descriptor meanwhile would be given.
int ClosedDescriptorNumber() {
  int fd = OpenDescriptor();
  int high = ::fcntl(fd, F_DUPFD, 900);
  ::close(fd);
  ::close(high);
  return high;
}

// The process-wide log on for one test, as NODE_DEBUG=rendezvous turns it on
// at load.
class ProcessLogOn {
 public:
  ProcessLogOn() { SetProcessDebugLog(true, static_cast<long>(::getpid())); }
  ProcessLogOn(const ProcessLogOn&) = delete;
  ProcessLogOn& operator=(const ProcessLogOn&) = delete;
  ~ProcessLogOn() { SetProcessDebugLog(false, 0); }
};

void DestructionClosesTheDescriptor(Failures& t) {
  int fd = OpenDescriptor();
  { ScopedFd owner(fd); }
  EXPECT_TRUE(t, !IsOpen(fd));
}

void AMoveKeepsTheDescriptorOpenInItsNewOwner(Failures& t) {
  int fd = OpenDescriptor();
  ScopedFd moved;
  {
    ScopedFd source(fd);
    moved = std::move(source);
    EXPECT_EQ(t, source.get(), -1);
  }
  EXPECT_TRUE(t, IsOpen(fd));
  ScopedFd constructed(std::move(moved));
  EXPECT_EQ(t, moved.get(), -1);
  EXPECT_EQ(t, constructed.get(), fd);
  constructed.reset();
  EXPECT_TRUE(t, !IsOpen(fd));
}

void ReleaseLeavesTheDescriptorOpen(Failures& t) {
  int fd = OpenDescriptor();
  int released;
  {
    ScopedFd owner(fd);
    released = owner.release();
  }
  EXPECT_EQ(t, released, fd);
  EXPECT_TRUE(t, IsOpen(fd));
  ::close(fd);
}

void ReceiveOwnsTheDescriptorACallWrites(Failures& t) {
  int first = OpenDescriptor();
  int second = OpenDescriptor();
  {
    ScopedFd owner(first);
    *owner.receive() = second;
    EXPECT_TRUE(t, !IsOpen(first));
    EXPECT_TRUE(t, IsOpen(second));
  }
  EXPECT_TRUE(t, !IsOpen(second));
}

void AFailedCloseIsLogged(Failures& t) {
  ProcessLogOn log_on;
  CapturedStderr captured;
  int fd = ClosedDescriptorNumber();
  ScopedFd(fd).reset();
  std::string expected = "RENDEZVOUS " + std::to_string(::getpid()) +
                         ": native close(" + std::to_string(fd) +
                         ") failed: " + std::strerror(EBADF) + "\n";
  EXPECT_EQ(t, captured.text(), expected);
}

void AFailedCloseIsQuietWithTheLogOff(Failures& t) {
  CapturedStderr captured;
  ScopedFd(ClosedDescriptorNumber()).reset();
  EXPECT_EQ(t, captured.text(), "");
}

void ACloseThatSucceedsLogsNothing(Failures& t) {
  ProcessLogOn log_on;
  CapturedStderr captured;
  ScopedFd(OpenDescriptor()).reset();
  EXPECT_EQ(t, captured.text(), "");
}

}  // namespace

std::vector<UnitTest> ScopedFdTests() {
  const char* suite = "ScopedFd";
  return {
      {suite, "destruction closes the descriptor",
       DestructionClosesTheDescriptor},
      {suite, "a move keeps the descriptor open in its new owner",
       AMoveKeepsTheDescriptorOpenInItsNewOwner},
      {suite, "release leaves the descriptor open",
       ReleaseLeavesTheDescriptorOpen},
      {suite, "receive owns the descriptor a call writes",
       ReceiveOwnsTheDescriptorACallWrites},
      {suite, "a failed close is logged under NODE_DEBUG=rendezvous",
       AFailedCloseIsLogged},
      {suite, "a failed close is quiet with the log off",
       AFailedCloseIsQuietWithTheLogOff},
      {suite, "a close that succeeds logs nothing",
       ACloseThatSucceedsLogsNothing},
  };
}

}  // namespace rendezvous::unit
