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
      // one is not. Receiving it without MACH_RCV_LARGE has the kernel
      // destroy it, with whatever it carries.
      mach_msg_size_t too_large = header->msgh_size;
      kr = mach_msg(header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                    message->capacity(), inbox_.get(), 0, MACH_PORT_NULL);
      if (kr == KERN_SUCCESS)
        mac::DestroyMessageContents(header);
      *error = mac::BadMessage("a message of " + std::to_string(too_large) +
                               " bytes");
      return Take::kFailed;
    }
    if ((kr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR) {
      // Dequeued and copied out all the same, minus the rights or regions
      // the kernel could not place (those are null in it): what did arrive
      // is this task's now.
      mac::DestroyMessageContents(header);
    }
    *error = MachError("mach_msg", kr, "Could not receive on a channel");
    return Take::kFailed;
  }
}

IoStatus MachChannelTransport::FindPeer(Error* error) {
  for (;;) {
    Take take = ReceiveFromInbox(&buffer_, error);
    if (take == Take::kFailed) {
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
      UpdateReadAheadSignal();
      return AcceptHello(&buffer_, error) ? IoStatus::kDone : IoStatus::kFailed;
    }
    if (id == MACH_NOTIFY_SEND_ONCE) {
      buffer_.Reset();
      continue;
    }
    if (id == MACH_NOTIFY_NO_SENDERS)
      peer_gone_ = true;
    if (read_ahead_.size() >= kMaxReadAhead) {
      buffer_.Reset();
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
                     hello->peer.disposition == MACH_MSG_TYPE_PORT_SEND;
  if (!well_formed || peer_known_) {
    message->Reset();
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
      if (take == Take::kFailed)
        return IoStatus::kFailed;
      if (take == Take::kEmpty) {
        DrainPollQueue();
        return IoStatus::kWouldBlock;
      }
    }
    mach_msg_id_t id = message->header()->msgh_id;
    switch (id) {
      case mac::kFrameId:
        return DeliverFrame(message, frame, max_handles, out, error);
      case mac::kHelloId:
        if (!AcceptHello(message, error))
          return IoStatus::kFailed;
        continue;
      case MACH_NOTIFY_NO_SENDERS:
        // Anyone can send this id, but only the peer holds a send right:
        // a forged one only closes the peer's own channel.
        message->Reset();
        peer_gone_ = true;
        closed_ = true;
        return IoStatus::kPeerClosed;
      case MACH_NOTIFY_SEND_ONCE:
        message->Reset();
        continue;
      default:
        message->Reset();
        *error = mac::BadMessage("a message with id " + std::to_string(id));
        return IoStatus::kFailed;
    }
  }
}

IoStatus MachChannelTransport::DeliverFrame(mac::ReceivedMessage* message,
                                            const FrameBuffers& frame,
                                            size_t max_handles,
                                            ReceivedFrame* out,
                                            Error* error) {
  mac::ParsedFrame parsed;
  std::string why;
  if (!mac::ParseFrame(message->header(), &parsed, &why)) {
    message->Reset();
    *error = mac::BadMessage(why);
    return IoStatus::kFailed;
  }
  mac::FrameWriter writer(frame);
  writer.Write(parsed.inline_data, parsed.info.inline_size);
  for (size_t i = 0; i < parsed.out_of_line_count; ++i) {
    const mach_msg_ool_descriptor_t& region = *parsed.out_of_line[i];
    writer.Write(static_cast<const uint8_t*>(region.address), region.size);
  }
  // Each right goes into an owner as it leaves the message; those past
  // `max_handles` are released at once.
  ReceivedHandles taken;
  const size_t keep = std::min(parsed.port_count, max_handles);
  bool failed = false;
  for (size_t i = 0; i < parsed.port_count; ++i) {
    mac::HandleRecord record = parsed.record(i);
    auto kind = static_cast<RightKind>(record.kind);
    mach_port_t name = std::exchange(parsed.ports[i].name, MACH_PORT_NULL);
    if (kind != RightKind::kFd) {
      OwnedHandle handle(name, kind, record.byte_length);
      if (i < keep)
        taken.push_back(std::move(handle));
      continue;
    }
    // A descriptor travels as a fileport: open a descriptor of this process
    // on its file, then drop the fileport.
    ScopedMachSendRight fileport(name);
    if (i >= keep || failed)
      continue;
    ScopedFd fd(fileport_makefd(name));
    if (!fd || ::fcntl(fd.get(), F_SETFD, FD_CLOEXEC) < 0) {
      *error = SystemError("fileport_makefd", errno,
                           "A descriptor sent on a channel could not be "
                           "opened");
      failed = true;
      continue;
    }
    taken.emplace_back(fd.release(), RightKind::kFd);
  }
  message->Reset();  // unmaps the out-of-line regions
  if (failed)
    return IoStatus::kFailed;  // `taken` releases what was opened
  out->size = static_cast<size_t>(parsed.info.frame_size);
  out->truncated = parsed.info.frame_size >
                   static_cast<uint64_t>(frame.head_size) + frame.tail_size;
  out->handles_truncated = parsed.port_count > max_handles;
  for (OwnedHandle& handle : taken)
    out->handles.push_back(std::move(handle));
  return IoStatus::kDone;
}

}  // namespace rendezvous
