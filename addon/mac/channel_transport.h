// Channels on macOS: Mach messages between two inboxes (receive rights).
// mac/channel_messages.h has the messages and how an end finds its peer;
// mac/channel_layout.h writes and parses them. The transport's parts are
// defined in mac/channel_transport.cc (setup, polling, hand-over),
// mac/channel_receiving.cc, mac/channel_sending.cc and
// mac/channel_recovery.cc (failed sends, putting messages back).
//
// Thread use: an end is used from one thread (its JS thread) only.
//
// Ownership: the transport owns its inbox, the send right to its peer's
// inbox once it has read its hello, the kqueue libuv polls, the messages
// it read ahead while looking for its hello, and those it refused. Destroying
// it destroys the inbox with everything queued in it and drops the peer's send
// right, so the peer's inbox gets a no-senders notification and the peer sees
// kPeerClosed.
#ifndef ADDON_MAC_CHANNEL_TRANSPORT_H_
#define ADDON_MAC_CHANNEL_TRANSPORT_H_

#include <mach/mach.h>

#include <deque>
#include <memory>
#include <vector>

#include "core/channel_transport.h"
#include "mac/received_message.h"
#include "mac/scoped_mach_port.h"
#include "posix/scoped_fd.h"
#include "posix/uv_poll_source.h"

namespace rendezvous {

class MachChannelTransport : public ChannelTransport {
 public:
  // Owns `inbox` (a receive right) from here: a failure releases it.
  static std::unique_ptr<MachChannelTransport> Adopt(
      ScopedMachReceiveRight inbox,
      Error* error);
  ~MachChannelTransport() override;

  // A kqueue watching the inbox: readable while a message waits in it, or
  // while messages read ahead wait here.
  std::unique_ptr<LoopEventSource> WatchOnLoop(EventLoop* loop,
                                               Error* error) override {
    return WatchDescriptorOnLoop(loop, kqueue_.get(), error);
  }
  // A Mach send right cannot be polled for room in the queue.
  bool PollsWritable() const override { return false; }
  size_t max_frame_size() const override;
  // Large messages travel as a memory entry of their own, as on Linux they
  // travel as a memfd (mac/message_body.h, mac/pooled_body.h). A sender
  // cannot see its peer's queue, so a body counts as read once sent
  // (PeerReadEverything keeps its default); the queue's limit bounds how
  // many are in flight.
  uint64_t out_of_line_threshold() const override { return out_of_line_; }
  bool CreateOutOfLineBody(const uint8_t* data,
                           uint64_t size,
                           OwnedHandle* body,
                           Error* error) override;
  bool CreatePooledBody(uint64_t capacity,
                        std::unique_ptr<PooledBody>* body,
                        Error* error) override;

  IoStatus SendFrame(const FrameBuffers& frame,
                     std::vector<OwnedHandle>* handles,
                     Error* error) override;
  IoStatus ReceiveFrame(const FrameBuffers& frame,
                        size_t max_handles,
                        ReceivedFrame* out,
                        Error* error) override;
  OwnedHandle ReleaseEndpoint() override;
  // The inbox's queue, and what this end took out of it, may hold the last
  // reference to a peer's descriptor: a fileport whose last send right is
  // released closes the file (XNU's fileport_no_senders drops the file in
  // the releasing thread), and that close may block. Its owner releases the
  // endpoint on a DeferredRelease, after ReleaseEndpoint() put everything
  // back in the inbox.
  bool ReleaseOffThread() const override { return true; }

 private:
  // kRejected: a message that is not delivered, kept (see KeepRejected);
  // `error` says why.
  enum class Take { kMessage, kEmpty, kRejected, kFailed };

  MachChannelTransport(ScopedMachReceiveRight inbox, ScopedFd kqueue);

  // Reads the next message off the inbox into `message`, never waiting.
  Take ReceiveFromInbox(mac::ReceivedMessage* message, Error* error);
  // Receives the message too large for `buffer` that waits in the inbox.
  Take TakeOversized(mac::ReceivedMessage* buffer);
  // Keeps a message this end does not deliver among those read ahead, in
  // front or at the back as it came, instead of releasing what it carries
  // on this thread: it goes back into the inbox with the rest when the end
  // is released or handed over, and the next reader fails at it too.
  void KeepRejected(mac::ReceivedMessage* message, bool in_front);
  // Reads ahead to the hello, keeping every other message, in order.
  IoStatus FindPeer(Error* error);
  bool AcceptHello(mac::ReceivedMessage* message, Error* error);
  IoStatus DeliverFrame(mac::ReceivedMessage* message,
                        const FrameBuffers& frame,
                        size_t max_handles,
                        ReceivedFrame* out,
                        Error* error);
  // Clears the kqueue's readiness once nothing is left to read.
  void DrainPollQueue();
  // Keeps the kqueue readable exactly while read-ahead messages wait.
  void UpdateReadAheadSignal();
  // Puts back what this end took out of its inbox, before it is given away
  // (mac/channel_recovery.cc): the messages read ahead, then the hello.
  void HandOver();
  void PutBackReadAhead();
  void PutBackPeer();
  void ResendToSelf(mac::ReceivedMessage* message);
  static Error GivenAway();

  ScopedMachReceiveRight inbox_;
  ScopedFd kqueue_;
  ScopedMachSendRight peer_;
  bool peer_known_ = false;  // the hello was read (peer_ may be dead)
  bool peer_gone_ = false;   // a no-senders notification was read
  bool closed_ = false;      // ... and reported by ReceiveFrame
  // Messages read while looking for the hello, to be delivered first.
  std::deque<mac::ReceivedMessage> read_ahead_;
  bool read_ahead_signalled_ = false;
  mac::ReceivedMessage buffer_;  // receives land here
  std::vector<uint64_t> send_buffer_;
  const uint64_t out_of_line_;
};

}  // namespace rendezvous

#endif  // ADDON_MAC_CHANNEL_TRANSPORT_H_
