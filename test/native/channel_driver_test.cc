// ChannelDriver reports a transport its loop refuses to watch as the end's
// failure, from the loop and not inside the call that started it, and the
// POSIX source says why libuv refused: here a descriptor the loop already
// watches, the refusal an end would meet if two owned one descriptor. Each
// case runs on a private libuv loop.
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "fake_channel_transport.h"
#include "handle_log.h"
#include "napi/channel_driver.h"
#include "posix/uv_poll_source.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

// A private loop, run until every handle on it has closed when it goes.
class ScopedLoop {
 public:
  ScopedLoop() { uv_loop_init(&loop_); }
  ~ScopedLoop() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  uv_loop_t* get() { return &loop_; }

 private:
  uv_loop_t loop_;
};

class RecordingListener : public ChannelDriver::Listener {
 public:
  void OnMessage(frames::AssembledMessage /*message*/,
                 std::vector<OwnedHandle> /*handles*/) override {
    ++messages;
  }
  void OnDrain() override {}
  void OnFinished(IoStatus status, const Error& error) override {
    ++finished;
    finished_status = status;
    finished_error = error;
  }
  void OnWaitingChanged(bool now_waiting) override { waiting = now_waiting; }

  int messages = 0;
  int finished = 0;
  IoStatus finished_status = IoStatus::kDone;
  Error finished_error;
  bool waiting = false;
};

void ASourceTheLoopRefusesFinishesTheEndFromTheLoop(Failures& t) {
  ScopedHandleLog log;
  DeferredRelease release(4);
  ScopedLoop loop;
  RecordingListener listener;
  {
    // The fake transport's WatchOnLoop refuses, as libuv refuses a
    // descriptor it cannot poll.
    ChannelDriver driver(DeferredTransport(new FakeChannelTransport(64),
                                           DeferredTransportDeleter(&release)),
                         loop.get(), &release, &listener);
    driver.StartReading();
    EXPECT_EQ(t, listener.finished, 0);  // not inside the caller's call
    EXPECT_TRUE(t, listener.waiting);    // its owner stays alive to hear it
    uv_run(loop.get(), UV_RUN_NOWAIT);
    EXPECT_EQ(t, listener.finished, 1);
    EXPECT_EQ(t, listener.finished_status, IoStatus::kFailed);
    EXPECT_EQ(t, listener.finished_error.message,
              std::string("the fake transport is not polled"));
    EXPECT_TRUE(t, !driver.is_open());
  }
  release.Stop(std::chrono::milliseconds(100));
}

class IgnoringListener : public LoopEventSource::Listener {
 public:
  void OnEvents(int /*events*/) override {}
  void OnWatchFailed(const Error& /*error*/) override {}
};

void ADescriptorTheLoopWatchesAlreadyIsRefused(Failures& t) {
  int fds[2];
  if (::pipe(fds) != 0) {
    t.Add(__FILE__, __LINE__, "pipe() failed");
    return;
  }
  {
    ScopedLoop loop;
    Error error;
    std::unique_ptr<LoopEventSource> first =
        WatchDescriptorOnLoop(loop.get(), fds[0], &error);
    IgnoringListener listener;
    // libuv knows a descriptor as watched once its poll has started.
    EXPECT_TRUE(t, first != nullptr && first->Start(LoopEventSource::kReadable,
                                                    &listener, &error));
    std::unique_ptr<LoopEventSource> second =
        WatchDescriptorOnLoop(loop.get(), fds[0], &error);
    EXPECT_TRUE(t, second == nullptr);
    EXPECT_EQ(t, error.code, std::string(codes::kSystem));
    EXPECT_EQ(t, error.message,
              std::string("Polling the channel failed: file already exists"));
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace

std::vector<UnitTest> ChannelDriverTests() {
  const char* suite = "ChannelDriver";
  return {
      {suite, "a source the loop refuses finishes the end, from the loop",
       ASourceTheLoopRefusesFinishesTheEndFromTheLoop},
      {suite, "a descriptor the loop watches already is refused, saying why",
       ADescriptorTheLoopWatchesAlreadyIsRefused},
  };
}

}  // namespace rendezvous::unit
