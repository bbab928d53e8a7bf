// The sending side of a channel end: cuts messages into frames, sends what
// the transport takes now, and queues the rest (with its own copy of the
// data) until the transport can take more.
//
// Thread use: the end's JS thread only.
#ifndef ADDON_CORE_CHANNEL_SENDER_H_
#define ADDON_CORE_CHANNEL_SENDER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "core/body_pool.h"
#include "core/channel_frames.h"
#include "core/channel_transport.h"
#include "core/out_of_line_settings.h"

namespace rendezvous {

class ChannelSender {
 public:
  ChannelSender() = default;
  ChannelSender(const ChannelSender&) = delete;
  ChannelSender& operator=(const ChannelSender&) = delete;

  // Data bytes accepted but not yet taken by the transport, and the bodies
  // of out-of-line messages sent but not yet read: a body holds its memory
  // until the peer takes it, and the socket's buffer (which bounds in-band
  // data in flight) bounds only the number of such frames. Call
  // Reconcile() first.
  uint64_t queued_bytes() const { return queued_bytes_ + unread_bodies_; }
  // Bytes of bodies sent that the peer may not have read yet.
  uint64_t unread_bodies() const { return unread_bodies_; }
  // Forgets the bodies sent once the peer has read everything.
  void Reconcile(const ChannelTransport* transport) {
    if (unread_bodies_ > 0 && transport->PeerReadEverything())
      unread_bodies_ = 0;
  }
  size_t queued_messages() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }

  // Sends a message, or as much of it as the transport takes, then queues
  // the rest; `data` need only live for this call. Data of at least the
  // transport's out_of_line_threshold() is copied once into a body that
  // travels as one more handle, after the message's own: a free body of
  // the pool (pool()) when there is one of its size class, else a new one
  // for the pool while it has room, else a sealed body of its own
  // (CreateOutOfLineBody). The handles go with the
  // message's first frame. Returns kDone when the message was sent or
  // queued; kPeerClosed or kFailed mean the end is finished.
  IoStatus Send(const uint8_t* data,
                uint64_t size,
                uint8_t flags,
                std::vector<OwnedHandle> handles,
                ChannelTransport* transport,
                Error* error);

  // Tells the peer that body `id` it sent is no longer read here: a frame
  // queued behind whatever is queued already.
  IoStatus SendBodyReleased(uint64_t id,
                            ChannelTransport* transport,
                            Error* error);

  // The peer no longer reads pooled body `id`: it may carry another
  // message. Anything else the peer claims is refused (see BodyPool).
  BodyRelease ReleaseBody(uint64_t id);
  // Drops pooled bodies left unused for a while; whether any free is left.
  bool DropIdleBodies();
  // The bodies this end fills again once the peer releases them.
  const BodyPool& pool() const { return pool_; }

  // Sends queued frames until the queue is empty (kDone) or the transport
  // is full (kWouldBlock).
  IoStatus Flush(ChannelTransport* transport, Error* error);

  // Drops everything queued, releasing its handles, and the pool.
  void Clear();

 private:
  struct Message {
    std::vector<uint8_t> head;  // header and handle descriptors
    std::vector<OwnedHandle> handles;
    uint64_t size = 0;        // data bytes in the message's frames
    uint64_t body_bytes = 0;  // data bytes in its out-of-line body, if any
    uint64_t sent = 0;        // data bytes the transport has taken
    bool started = false;
    // The unsent data: borrowed from the caller while Send() runs, then a
    // copy that begins at data byte `origin`.
    const uint8_t* data = nullptr;
    uint64_t origin = 0;
    std::unique_ptr<uint8_t[]> owned;
  };

  // Copies `size` bytes at `data` into a body of the pool, as `*body` (a
  // handle to it) and `*id`; false when the pool has none to give.
  bool FillPooledBody(const uint8_t* data,
                      uint64_t size,
                      ChannelTransport* transport,
                      OwnedHandle* body,
                      uint64_t* id);
  // Sends `message` now if nothing waits before it, and queues the rest.
  IoStatus SendOrQueue(Message message,
                       ChannelTransport* transport,
                       Error* error);
  // Sends frames of `message` until it is all sent or the transport stops.
  IoStatus SendFrames(Message* message,
                      ChannelTransport* transport,
                      Error* error);

  BodyPool pool_;
  std::deque<Message> queue_;
  uint64_t queued_bytes_ = 0;
  uint64_t unread_bodies_ = 0;
  // Read when the end is made (core/out_of_line_settings.h): without a
  // pool, every out-of-line message takes a fresh body.
  const bool pools_bodies_ = PoolsBodies();
};

}  // namespace rendezvous

#endif  // ADDON_CORE_CHANNEL_SENDER_H_
