// Receiving on a channel: reading the inbox, finding the peer's address
// in it, and delivering frames (see mac/channel_transport.h).
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include "mac/channel_layout.h"
#include "mac/channel_transport.h"
#include "mac/fileport.h"
#include "mac/mach_error.h"
#include "mac/reply_rules.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

// Messages an end keeps while it looks for its hello. The hello comes
// before anything the peer sent after the end changed hands, so a well-
// behaved peer never has this many ahead of it; the bound is for the others.
constexpr size_t kMaxReadAhead = 4 * mac::kQueueLimit;

}  // namespace

MachChannelTransport::Take MachChannelTransport::ReceiveFromInbox(
    mac::ReceivedMessage* message,
    Error* error) {
  message->Reset();
  for (;;) {
    mach_msg_header_t* header = message->header();
    kern_return_t kr =
        mach_msg(header, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0,
                 message->capacity(), inbox_.get(), 0, MACH_PORT_NULL);
    if (kr == KERN_SUCCESS) {
      message->set_received();
      return Take::kMessage;
    }
    if (kr == MACH_RCV_TIMED_OUT)
      return Take::kEmpty;
    if (kr == MACH_RCV_INTERRUPTED)
      continue;
    if (kr == MACH_RCV_TOO_LARGE) {
      // MACH_RCV_LARGE left it queued and wrote its size into the header.
      // The buffer holds the largest message a peer of ours sends, so this
      // one is not.
      *error = mac::BadMessage("a message of " +
                               std::to_string(header->msgh_size) + " bytes");
      return TakeOversized(message);
    }
    *error = MachError("mach_msg", kr, "Could not receive on a channel");
    if ((kr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR) {
      // Dequeued and copied out all the same, minus the rights or regions
      // the kernel could not place (those are null in it): what did arrive
      // is this task's now, and released with the end.
      message->set_received();
      KeepRejected(message, /*in_front=*/false);
      return Take::kRejected;
    }
    return Take::kFailed;
  }
}

MachChannelTransport::Take MachChannelTransport::TakeOversized(
    mac::ReceivedMessage* buffer) {
  const mach_msg_size_t size = buffer->header()->msgh_size;
  // Received whole, so its rights are released with the end, off this
  // thread. Had the kernel destroyed it (a receive without MACH_RCV_LARGE),
  // a fileport in it could have closed a peer's file here.
  mac::ReceivedMessage oversized(size + sizeof(mach_msg_max_trailer_t));
  kern_return_t kr = mach_msg(
      oversized.header(), MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0,
      oversized.capacity(), inbox_.get(), 0, MACH_PORT_NULL);
  if (kr == KERN_SUCCESS || (kr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR) {
    oversized.set_received();
    KeepRejected(&oversized, /*in_front=*/false);
    return Take::kRejected;
  }
  // No memory for it: the kernel destroys it instead, with what it carries.
  if (kr == MACH_RCV_TOO_LARGE) {
    kr = mach_msg(buffer->header(), MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                  buffer->capacity(), inbox_.get(), 0, MACH_PORT_NULL);
    if (kr == KERN_SUCCESS)
      mac::DestroyMessageContents(buffer->header());
  }
  return Take::kFailed;
}

void MachChannelTransport::KeepRejected(mac::ReceivedMessage* message,
                                        bool in_front) {
  if (in_front)
    read_ahead_.push_front(message->TakeCopy());
  else
    read_ahead_.push_back(message->TakeCopy());
  UpdateReadAheadSignal();
}

IoStatus MachChannelTransport::FindPeer(Error* error) {
  for (;;) {
    Take take = ReceiveFromInbox(&buffer_, error);
    if (take == Take::kFailed || take == Take::kRejected) {
      UpdateReadAheadSignal();
      return IoStatus::kFailed;
    }
    if (take == Take::kEmpty) {
      UpdateReadAheadSignal();
      // Without a hello, the end's peer is gone (its notification said so)
      // or the right was never a channel end.
      if (peer_gone_)
        return IoStatus::kPeerClosed;
      *error = mac::BadMessage("the channel end holds no address of its peer");
      return IoStatus::kFailed;
    }
    mach_msg_id_t id = buffer_.header()->msgh_id;
    if (id == mac::kHelloId) {
      bool accepted = AcceptHello(&buffer_, error);
      if (!accepted)
        KeepRejected(&buffer_, /*in_front=*/false);
      UpdateReadAheadSignal();
      return accepted ? IoStatus::kDone : IoStatus::kFailed;
    }
    if (id == MACH_NOTIFY_SEND_ONCE && !mac::CarriesRights(*buffer_.header())) {
      buffer_.Reset();
      continue;
    }
    if (id == MACH_NOTIFY_NO_SENDERS)
      peer_gone_ = true;
    if (read_ahead_.size() >= kMaxReadAhead) {
      KeepRejected(&buffer_, /*in_front=*/false);
      UpdateReadAheadSignal();
      *error = mac::BadMessage("too many messages before the peer's address");
      return IoStatus::kFailed;
    }
    // Frames (and anything malformed) are delivered later, in order.
    read_ahead_.push_back(buffer_.TakeCopy());
  }
}

bool MachChannelTransport::AcceptHello(mac::ReceivedMessage* message,
                                       Error* error) {
  auto* hello = reinterpret_cast<mac::HelloMessage*>(message->header());
  // The size first: nothing past it may be read.
  bool well_formed = hello->header.msgh_size == sizeof(mac::HelloMessage) &&
                     (hello->header.msgh_bits & MACH_MSGH_BITS_COMPLEX) &&
                     hello->body.msgh_descriptor_count == 1 &&
                     hello->peer.type == MACH_MSG_PORT_DESCRIPTOR &&
                     hello->peer.disposition == MACH_MSG_TYPE_PORT_SEND &&
                     !MACH_PORT_VALID(hello->header.msgh_remote_port);
  if (!well_formed || peer_known_) {
    *error = mac::BadMessage(well_formed ? "a second address for the peer"
                                         : "a malformed address for the peer");
    return false;
  }
  mach_port_t name = std::exchange(hello->peer.name, MACH_PORT_NULL);
  message->Reset();
  peer_known_ = true;
  // A dead name: the peer's inbox is gone already. Sends then see
  // kPeerClosed; reads go on until the no-senders notification.
  if (MACH_PORT_VALID(name))
    peer_.reset(name);
  return true;
}

IoStatus MachChannelTransport::ReceiveFrame(const FrameBuffers& frame,
                                            size_t max_handles,
                                            ReceivedFrame* out,
                                            Error* error) {
  if (!inbox_) {
    *error = GivenAway();
    return IoStatus::kFailed;
  }
  for (;;) {
    mac::ReceivedMessage read_ahead;
    mac::ReceivedMessage* message = &buffer_;
    if (!read_ahead_.empty()) {
      read_ahead = std::move(read_ahead_.front());
      read_ahead_.pop_front();
      UpdateReadAheadSignal();
      message = &read_ahead;
    } else {
      if (closed_)
        return IoStatus::kPeerClosed;
      Take take = ReceiveFromInbox(&buffer_, error);
      if (take == Take::kFailed || take == Take::kRejected)
        return IoStatus::kFailed;
      if (take == Take::kEmpty) {
        DrainPollQueue();
        return IoStatus::kWouldBlock;
      }
    }
    // A message this end does not deliver stays in front of the others,
    // so what it carries is released with the end, off this thread.
    mach_msg_id_t id = message->header()->msgh_id;
    const bool bare = !mac::CarriesRights(*message->header());
    if (id == mac::kFrameId)
      return DeliverFrame(message, frame, max_handles, out, error);
    if (id == mac::kHelloId) {
      if (AcceptHello(message, error))
        continue;
      KeepRejected(message, /*in_front=*/true);
      return IoStatus::kFailed;
    }
    if (id == MACH_NOTIFY_SEND_ONCE && bare) {
      message->Reset();
      continue;
    }
    if (id == MACH_NOTIFY_NO_SENDERS && bare) {
      // Anyone can send this id, but only the peer holds a send right:
      // a forged one only closes the peer's own channel.
      message->Reset();
      peer_gone_ = true;
      closed_ = true;
      return IoStatus::kPeerClosed;
    }
    // The kernel's notifications carry no rights: one that does is not
    // the kernel's.
    KeepRejected(message, /*in_front=*/true);
    *error = mac::BadMessage("a message with id " + std::to_string(id) +
                             (bare ? "" : " carrying rights"));
    return IoStatus::kFailed;
  }
}

namespace {

// Opens a descriptor of this process on a fileport's file, then drops the
// fileport: the descriptor holds the file by then, so that is not its last
// close. Returns -1 (the fileport left alone) when it cannot be opened.
int OpenFileport(mach_port_t fileport, Error* error) {
  ScopedFd fd(fileport_makefd(fileport));
  if (!fd || ::fcntl(fd.get(), F_SETFD, FD_CLOEXEC) < 0) {
    *error = SystemError("fileport_makefd", errno,
                         "A descriptor sent on a channel could not be "
                         "opened");
    return -1;
  }
  ScopedMachSendRight(fileport).reset();
  return fd.release();
}

}  // namespace

IoStatus MachChannelTransport::DeliverFrame(mac::ReceivedMessage* message,
                                            const FrameBuffers& frame,
                                            size_t max_handles,
                                            ReceivedFrame* out,
                                            Error* error) {
  mac::ParsedFrame parsed;
  std::string why;
  if (!mac::ParseFrame(message->header(), &parsed, &why)) {
    KeepRejected(message, /*in_front=*/true);
    *error = mac::BadMessage(why);
    return IoStatus::kFailed;
  }
  mac::FrameWriter writer(frame);
  writer.Write(parsed.inline_data, parsed.info.inline_size);
  for (size_t i = 0; i < parsed.out_of_line_count; ++i) {
    const mach_msg_ool_descriptor_t& region = *parsed.out_of_line[i];
    writer.Write(static_cast<const uint8_t*>(region.address), region.size);
  }
  // Every right goes to the caller, which releases those it does not keep
  // on its release thread (mac/reply_rules.h, HandedOutKind): descriptors
  // are opened for the handles it asked for, and past those, or once one
  // could not be opened, a fileport goes on as the send right it is.
  const size_t keep = std::min(parsed.port_count, max_handles);
  bool failed = false;
  for (size_t i = 0; i < parsed.port_count; ++i) {
    mac::HandleRecord record = parsed.record(i);
    auto kind = static_cast<RightKind>(record.kind);
    mach_port_t name = std::exchange(parsed.ports[i].name, MACH_PORT_NULL);
    if (kind == RightKind::kFd && i < keep && !failed) {
      int fd = OpenFileport(name, error);
      if (fd >= 0) {
        out->handles.emplace_back(fd, RightKind::kFd);
        continue;
      }
      failed = true;
    }
    out->handles.emplace_back(name,
                              mac::rules::HandedOutKind(kind, /*opened=*/false),
                              record.byte_length);
  }
  message->Reset();  // unmaps the out-of-line regions
  if (failed)
    return IoStatus::kFailed;
  out->size = static_cast<size_t>(parsed.info.frame_size);
  out->truncated = parsed.info.frame_size >
                   static_cast<uint64_t>(frame.head_size) + frame.tail_size;
  out->handles_truncated = parsed.port_count > max_handles;
  return IoStatus::kDone;
}

}  // namespace rendezvous
