#include "fake_channel_transport.h"

#include <utility>

namespace rendezvous::unit {

IoStatus FakeChannelTransport::SendFrame(const FrameBuffers& frame,
                                         std::vector<OwnedHandle>* handles,
                                         Error* error) {
  if (ending_) {
    if (*ending_ == IoStatus::kFailed)
      *error = Error::Make(codes::kSystem, "the fake transport broke");
    return *ending_;
  }
  if (frame.head_size + frame.tail_size > max_frame_size_) {
    *error = Error::Make(codes::kSystem, "frame larger than the transport's");
    return IoStatus::kFailed;
  }
  if (room_ == 0) {
    ++refusals_;
    return IoStatus::kWouldBlock;
  }
  --room_;
  SentFrame sent;
  sent.head.assign(frame.head, frame.head + frame.head_size);
  sent.tail.assign(frame.tail, frame.tail + frame.tail_size);
  sent.handles = std::move(*handles);
  handles->clear();
  frames_.push_back(std::move(sent));
  return IoStatus::kDone;
}

IoStatus FakeChannelTransport::ReceiveFrame(const FrameBuffers& /*frame*/,
                                            size_t /*max_handles*/,
                                            ReceivedFrame* /*received*/,
                                            Error* /*error*/) {
  return IoStatus::kWouldBlock;
}

}  // namespace rendezvous::unit
