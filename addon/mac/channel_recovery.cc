// What becomes of a channel message's rights when a send fails, and of what
// an end took out of its inbox when it is handed over: see
// mac/channel_recovery.h.
#include "mac/channel_recovery.h"

#include <utility>

#include "mac/channel_layout.h"
#include "mac/channel_transport.h"
#include "mac/mach_error.h"
#include "mac/received_message.h"

namespace rendezvous {

namespace mac {

namespace {

using sending::SendFailure;

// The frame came back pseudo-received: every right is in this task again,
// under the names now in the message. The moved ones are the caller's again
// (a receive right's name may have changed); the rest are this send's own
// copies (the fileports, the copied send rights, the destination) and go
// with the message, as do the kernel's copies of the out-of-line bytes.
// Returns false if the kernel could not put a moved right back.
bool ReclaimReturnedFrame(mach_msg_header_t* header,
                          std::vector<Outgoing>* outgoing,
                          std::vector<OwnedHandle>* handles) {
  mach_msg_port_descriptor_t* ports = FramePorts(header);
  bool lost = false;
  for (size_t i = 0; i < outgoing->size(); ++i) {
    (void)(*outgoing)[i].fileport.release();
    if (!(*outgoing)[i].moves)
      continue;
    mach_port_t name = std::exchange(ports[i].name, MACH_PORT_NULL);
    OwnedHandle& handle = (*handles)[i];
    RightKind kind = handle.kind();
    uint64_t byte_length = handle.byte_length();
    (void)handle.release();
    if (name == MACH_PORT_NULL) {
      lost = true;  // the kernel could not put it back, and destroyed it
      continue;
    }
    handle = OwnedHandle(name, kind, byte_length);
  }
  DestroyMessageContents(header);
  return !lost;
}

}  // namespace

SendFailure ClassifyChannelSend(kern_return_t kr,
                                const mach_msg_header_t& header,
                                mach_msg_type_name_t sent_remote) {
  return sending::ClassifySendFailure(kr,
                                      sending::CameBack(header, sent_remote));
}

IoStatus RecoverFailedFrame(kern_return_t kr,
                            mach_msg_header_t* header,
                            std::vector<Outgoing>* outgoing,
                            std::vector<OwnedHandle>* handles,
                            Error* error) {
  switch (ClassifyChannelSend(kr, *header, MACH_MSG_TYPE_COPY_SEND)) {
    case SendFailure::kPseudoReceived:
      if (!ReclaimReturnedFrame(header, outgoing, handles)) {
        *error = MachError("mach_msg", kr,
                           "A channel message failed and lost a right it "
                           "carried");
        return IoStatus::kFailed;
      }
      if (sending::IsTransient(kr))
        return IoStatus::kWouldBlock;  // a full queue: retried
      if (kr == MACH_SEND_INVALID_DEST)
        return IoStatus::kPeerClosed;
      break;
    case SendFailure::kNothingConsumed:
    case SendFailure::kHeaderDestroyed:
      // Nothing was taken; the fileports' owners drop them.
      if (kr == MACH_SEND_INVALID_DEST)
        return IoStatus::kPeerClosed;  // the peer's inbox is gone
      if (sending::IsTransient(kr))
        return IoStatus::kWouldBlock;  // kernel memory short for now: retried
      break;
    case SendFailure::kPartlyDestroyed:
      // Some rights may be gone and their names reused already: leaking
      // the rest is safer than releasing a name twice.
      for (size_t i = 0; i < outgoing->size(); ++i) {
        (void)(*outgoing)[i].fileport.release();
        if ((*outgoing)[i].moves)
          (void)(*handles)[i].release();
      }
      break;
  }
  *error = MachError("mach_msg", kr, "Could not send on a channel");
  return IoStatus::kFailed;
}

}  // namespace mac

using mac::sending::SendFailure;

void MachChannelTransport::HandOver() {
  buffer_.Reset();
  const bool put_back = !read_ahead_.empty();
  if (put_back) {
    // The messages read ahead go back in front of whatever was queued after
    // them, so the next owner reads the stream in order. Meanwhile a queue
    // limit of zero holds the peer off: its sends never wait, so it sees
    // kWouldBlock and retries. The messages put back are sent to a
    // send-once right, which the limit does not apply to.
    mac::SetQueueLimit(inbox_.get(), MACH_PORT_QLIMIT_ZERO, nullptr);
    PutBackReadAhead();
  }
  if (peer_)
    PutBackPeer();
  peer_known_ = false;
  if (put_back)
    mac::SetQueueLimit(inbox_.get(), mac::kQueueLimit, nullptr);
}

void MachChannelTransport::PutBackReadAhead() {
  // Only the kernel's notifications can still arrive, so this ends; the
  // bound is for a kernel that behaves otherwise.
  for (size_t i = 0; i <= MACH_PORT_QLIMIT_KERNEL; ++i) {
    Error ignored;
    Take take = ReceiveFromInbox(&buffer_, &ignored);
    if (take == Take::kEmpty)
      break;
    if (take == Take::kMessage) {
      read_ahead_.push_back(buffer_.TakeCopy());
      continue;
    }
    if (take == Take::kRejected)
      continue;  // already kept, at the back
    // A message too large to be ours, destroyed by the kernel: a message
    // of no known id keeps its place, so the next owner fails there too.
    mac::ReceivedMessage marker(sizeof(mach_msg_header_t));
    *marker.header() = mach_msg_header_t{};
    marker.header()->msgh_size = sizeof(mach_msg_header_t);
    read_ahead_.push_back(std::move(marker));
  }
  for (mac::ReceivedMessage& message : read_ahead_)
    ResendToSelf(&message);
  read_ahead_.clear();
}

void MachChannelTransport::PutBackPeer() {
  // The peer's address goes back as a new hello, after everything else.
  // A dead name is dropped instead: the peer's end is gone, and the
  // no-senders notification tells the next owner so.
  mach_port_type_t type = 0;
  bool dead =
      mach_port_type(mach_task_self(), peer_.get(), &type) != KERN_SUCCESS ||
      (type & MACH_PORT_TYPE_DEAD_NAME);
  if (!dead) {
    mac::HelloMessage hello;
    kern_return_t kr = mac::SendHello(inbox_.get(), peer_.get(),
                                      MACH_MSG_TYPE_MOVE_SEND, &hello);
    if (kr == KERN_SUCCESS) {
      (void)peer_.release();
    } else {
      switch (mac::ClassifyChannelSend(kr, hello.header,
                                       MACH_MSG_TYPE_MAKE_SEND_ONCE)) {
        case SendFailure::kPseudoReceived:
          (void)peer_.release();
          mac::DestroyMessageContents(&hello.header);
          break;
        case SendFailure::kNothingConsumed:
        case SendFailure::kHeaderDestroyed:
          break;  // still ours: dropped below, which closes the channel
        case SendFailure::kPartlyDestroyed:
          (void)peer_.release();
          break;
      }
    }
  }
  peer_.reset();
}

void MachChannelTransport::ResendToSelf(mac::ReceivedMessage* message) {
  mach_msg_header_t* header = message->header();
  mac::ReadyForResend(header, inbox_.get());
  kern_return_t kr =
      mach_msg(header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, header->msgh_size, 0,
               MACH_PORT_NULL, 0, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) {
    switch (
        mac::ClassifyChannelSend(kr, *header, MACH_MSG_TYPE_MAKE_SEND_ONCE)) {
      case SendFailure::kPseudoReceived:
        mac::DestroyMessageContents(header);
        break;
      case SendFailure::kNothingConsumed:
      case SendFailure::kHeaderDestroyed:
        // Still holds its rights; the send-once right was never made.
        header->msgh_bits &= ~MACH_MSGH_BITS_REMOTE_MASK;
        header->msgh_remote_port = MACH_PORT_NULL;
        mac::DestroyMessageContents(header);
        break;
      case SendFailure::kPartlyDestroyed:
        break;  // leaked rather than released twice
    }
  }
  message->Forget();
}

}  // namespace rendezvous
