#include "core/channel_sender.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace rendezvous {

IoStatus ChannelSender::Send(const uint8_t* data,
                             uint64_t size,
                             uint8_t flags,
                             std::vector<OwnedHandle> handles,
                             ChannelTransport* transport,
                             Error* error) {
  Message message;
  std::vector<frames::HandleDescriptor> descriptors;
  for (const OwnedHandle& handle : handles)
    descriptors.push_back({handle.kind(), handle.byte_length()});
  uint64_t threshold = transport->out_of_line_threshold();
  if (threshold != 0 && size >= threshold) {
    // The data goes into a body of its own, which travels as one more
    // handle with a start frame that carries no data.
    OwnedHandle body;
    if (!transport->CreateOutOfLineBody(data, size, &body, error))
      return IoStatus::kFailed;
    handles.push_back(std::move(body));
    flags |= frames::kFlagOutOfLine;
    message.body_bytes = size;
    size = 0;
  }
  message.head = frames::EncodeStartHead(
      message.body_bytes > 0 ? message.body_bytes : size, flags, descriptors);
  message.handles = std::move(handles);
  message.size = size;
  message.data = data;
  // Behind other messages it must wait its turn; otherwise it goes now,
  // straight from the caller's memory.
  if (queue_.empty()) {
    IoStatus status = SendFrames(&message, transport, error);
    if (status == IoStatus::kDone)
      unread_bodies_ += message.body_bytes;
    if (status != IoStatus::kWouldBlock)
      return status;
  }
  uint64_t rest = message.size - message.sent;
  if (rest > 0) {
    message.owned.reset(new (std::nothrow) uint8_t[rest]);
    if (!message.owned) {
      *error =
          Error::Make(codes::kQueueFull, "No memory to queue a message of " +
                                             std::to_string(rest) + " bytes");
      return IoStatus::kFailed;
    }
    std::memcpy(message.owned.get(), message.data + message.sent, rest);
  }
  message.data = message.owned.get();
  message.origin = message.sent;
  queued_bytes_ += rest + message.body_bytes;
  queue_.push_back(std::move(message));
  return IoStatus::kDone;
}

IoStatus ChannelSender::Flush(ChannelTransport* transport, Error* error) {
  while (!queue_.empty()) {
    Message& message = queue_.front();
    uint64_t before = message.sent;
    IoStatus status = SendFrames(&message, transport, error);
    queued_bytes_ -= message.sent - before;
    if (status != IoStatus::kDone)
      return status;
    queued_bytes_ -= message.body_bytes;
    unread_bodies_ += message.body_bytes;
    queue_.pop_front();
  }
  return IoStatus::kDone;
}

void ChannelSender::Clear() {
  queue_.clear();
  queued_bytes_ = 0;
  unread_bodies_ = 0;
}

IoStatus ChannelSender::SendFrames(Message* message,
                                   ChannelTransport* transport,
                                   Error* error) {
  const size_t max_frame = transport->max_frame_size();
  while (!message->started || message->sent < message->size) {
    const uint8_t* rest = message->data + (message->sent - message->origin);
    uint64_t left = message->size - message->sent;
    uint8_t more_head[frames::kHeaderSize];
    FrameBuffers frame;
    std::vector<OwnedHandle> no_handles;
    std::vector<OwnedHandle>* handles = &no_handles;
    if (!message->started) {
      frame.head = message->head.data();
      frame.head_size = message->head.size();
      handles = &message->handles;
    } else {
      frames::EncodeMoreHead(message->sent, more_head);
      frame.head = more_head;
      frame.head_size = sizeof more_head;
    }
    frame.tail = const_cast<uint8_t*>(rest);
    frame.tail_size = static_cast<size_t>(
        std::min<uint64_t>(left, max_frame - frame.head_size));
    IoStatus status = transport->SendFrame(frame, handles, error);
    if (status != IoStatus::kDone)
      return status;
    message->started = true;
    message->sent += frame.tail_size;
  }
  return IoStatus::kDone;
}

}  // namespace rendezvous
