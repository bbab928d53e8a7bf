// A ChannelTransport that keeps every frame it is sent, for the sender's
// tests. Like a SOCK_SEQPACKET socket (the Linux transport) it takes a frame
// whole or not at all: it can be told to take only so many frames and then
// refuse with kWouldBlock, as a full socket buffer refuses with EAGAIN, or to
// fail every send as a closed or broken end does.
//
// Thread use: the test's thread only.
#ifndef TEST_NATIVE_FAKE_CHANNEL_TRANSPORT_H_
#define TEST_NATIVE_FAKE_CHANNEL_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "core/channel_transport.h"

namespace rendezvous::unit {

struct SentFrame {
  std::vector<uint8_t> head;
  std::vector<uint8_t> tail;
  // Taken over from the sender, as a real transport puts them in the message.
  std::vector<OwnedHandle> handles;
};

class FakeChannelTransport : public ChannelTransport {
 public:
  explicit FakeChannelTransport(size_t max_frame_size)
      : max_frame_size_(max_frame_size) {}

  // Takes `count` more frames, then refuses until told to take more.
  void TakeFrames(size_t count) { room_ = count; }
  void TakeAll() { room_ = std::numeric_limits<size_t>::max(); }
  // Every send from now on ends with `status` (kPeerClosed or kFailed).
  void EndWith(IoStatus status) { ending_ = status; }

  const std::vector<SentFrame>& frames() const { return frames_; }
  size_t refusals() const { return refusals_; }

  std::unique_ptr<LoopEventSource> WatchOnLoop(EventLoop* /*loop*/,
                                               Error* error) override {
    *error = Error::Make(codes::kSystem, "the fake transport is not polled");
    return nullptr;
  }
  bool PollsWritable() const override { return true; }
  size_t max_frame_size() const override { return max_frame_size_; }
  IoStatus SendFrame(const FrameBuffers& frame,
                     std::vector<OwnedHandle>* handles,
                     Error* error) override;
  IoStatus ReceiveFrame(const FrameBuffers& frame,
                        size_t max_handles,
                        ReceivedFrame* received,
                        Error* error) override;
  OwnedHandle ReleaseEndpoint() override { return OwnedHandle(); }

 private:
  const size_t max_frame_size_;
  size_t room_ = std::numeric_limits<size_t>::max();
  std::optional<IoStatus> ending_;
  size_t refusals_ = 0;
  std::vector<SentFrame> frames_;
};

}  // namespace rendezvous::unit

#endif  // TEST_NATIVE_FAKE_CHANNEL_TRANSPORT_H_
