#include "core/channel_sender.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>

namespace rendezvous {

namespace {

uint64_t NowMilliseconds() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

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
    uint64_t body_id = 0;
    if (pools_bodies_ &&
        FillPooledBody(data, size, transport, &body, &body_id)) {
      flags |= frames::kFlagPooledBody;
    } else if (!transport->CreateOutOfLineBody(data, size, &body, error)) {
      return IoStatus::kFailed;
    }
    handles.push_back(std::move(body));
    flags |= frames::kFlagOutOfLine;
    message.body_bytes = size;
    message.head = frames::EncodeStartHead(size, flags, descriptors, body_id);
    size = 0;
  } else {
    message.head = frames::EncodeStartHead(size, flags, descriptors);
  }
  message.handles = std::move(handles);
  message.size = size;
  message.data = data;
  return SendOrQueue(std::move(message), transport, error);
}

bool ChannelSender::FillPooledBody(const uint8_t* data,
                                   uint64_t size,
                                   ChannelTransport* transport,
                                   OwnedHandle* body,
                                   uint64_t* id) {
  uint64_t size_class = BodyPool::SizeClass(size);
  uint64_t now = NowMilliseconds();
  BodyPool::Lease lease;
  if (!pool_.Acquire(size_class, now, &lease)) {
    std::unique_ptr<PooledBody> created;
    Error ignored;  // without a pooled body, the message takes a fresh one
    if (!pool_.MakeRoom(size_class) ||
        !transport->CreatePooledBody(size_class, &created, &ignored)) {
      return false;
    }
    lease = pool_.Add(std::move(created), now);
  }
  Error ignored;
  if (!lease.body->Duplicate(body, &ignored)) {
    pool_.Release(lease.id, now);
    return false;
  }
  // Outstanding from here until the peer releases it: no later message
  // writes it meanwhile. A body that cannot be filled goes back to the
  // pool unsent (the peer never saw it) and the message takes a fresh one.
  if (!lease.body->Fill(data, size, &ignored)) {
    body->reset();  // the duplicate made for this message
    pool_.Release(lease.id, now);
    return false;
  }
  *id = lease.id;
  return true;
}

IoStatus ChannelSender::SendBodyReleased(uint64_t id,
                                         ChannelTransport* transport,
                                         Error* error) {
  Message message;
  message.head = frames::EncodeBodyReleased(id);
  return SendOrQueue(std::move(message), transport, error);
}

BodyRelease ChannelSender::ReleaseBody(uint64_t id) {
  return pool_.Release(id, NowMilliseconds());
}

bool ChannelSender::DropIdleBodies() {
  pool_.DropIdle(NowMilliseconds());
  return pool_.has_free();
}

IoStatus ChannelSender::SendOrQueue(Message message,
                                    ChannelTransport* transport,
                                    Error* error) {
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
  pool_.Clear();
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
