// Channels on macOS: see mac/channel_transport.h for the transport and
// mac/channel_messages.h for the messages it exchanges.
#include "mac/channel_transport.h"

#include <fcntl.h>
#include <sys/event.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "mac/channel_messages.h"
#include "mac/fileport.h"
#include "mac/mach_error.h"
#include "mac/mach_right.h"
#include "mac/send_failure.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

using mac::FrameInfo;
using mac::HandleRecord;
using mac::HelloMessage;

// The kqueue's user event that stands for messages read ahead.
constexpr uintptr_t kReadAheadEvent = 1;
// Messages an end keeps while it looks for its hello. The hello comes
// before anything the peer sent after the end changed hands, so a well-
// behaved peer never has this many ahead of it; the bound is for the others.
constexpr size_t kMaxReadAhead = 4 * mac::kQueueLimit;

Error BadMessage(const std::string& why) {
  return Error::Make(codes::kBadMessage, "Malformed channel message: " + why);
}

Error GivenAway() {
  return Error::Make(codes::kClosed, "The channel end was given away");
}

bool SetQueueLimit(mach_port_t port, mach_port_msgcount_t limit, Error* error) {
  mach_port_limits_t limits{};
  limits.mpl_qlimit = limit;
  kern_return_t kr = mach_port_set_attributes(
      mach_task_self(), port, MACH_PORT_LIMITS_INFO,
      reinterpret_cast<mach_port_info_t>(&limits), MACH_PORT_LIMITS_INFO_COUNT);
  if (kr != KERN_SUCCESS) {
    if (error) {
      *error = MachError("mach_port_set_attributes", kr,
                         "Could not set a channel's queue limit");
    }
    return false;
  }
  return true;
}

using mac::sending::SendFailure;

// A channel's sends copy or make their destination and carry no reply
// right: a header destroyed before the body (kHeaderDestroyed) cost the
// sender nothing, as if nothing had been taken.
SendFailure ClassifySendFailure(kern_return_t kr,
                                const mach_msg_header_t& header,
                                mach_msg_type_name_t sent_remote) {
  return mac::sending::ClassifySendFailure(
      kr, mac::sending::CameBack(header, sent_remote));
}

// Sends a hello into `inbox` (see mac/channel_messages.h) carrying `peer`,
// made or moved as `disposition` says. `hello` is left for the caller to
// clean up after a failure.
kern_return_t SendHello(mach_port_t inbox,
                        mach_port_t peer,
                        mach_msg_type_name_t disposition,
                        HelloMessage* hello) {
  std::memset(hello, 0, sizeof *hello);
  hello->header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0,
                                               0, MACH_MSGH_BITS_COMPLEX);
  hello->header.msgh_size = sizeof *hello;
  hello->header.msgh_remote_port = inbox;
  hello->header.msgh_local_port = MACH_PORT_NULL;
  hello->header.msgh_id = mac::kHelloId;
  hello->body.msgh_descriptor_count = 1;
  hello->peer.name = peer;
  hello->peer.disposition = disposition;
  hello->peer.type = MACH_MSG_PORT_DESCRIPTOR;
  return mach_msg(&hello->header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
                  sizeof *hello, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

// A frame message's parts, found and checked against each other.
struct ParsedFrame {
  mach_msg_port_descriptor_t* ports = nullptr;
  size_t port_count = 0;
  mach_msg_ool_descriptor_t* out_of_line[mac::kMaxOutOfLine] = {};
  size_t out_of_line_count = 0;
  FrameInfo info{};
  const uint8_t* records = nullptr;
  const uint8_t* inline_data = nullptr;

  HandleRecord record(size_t i) const {
    HandleRecord record;
    std::memcpy(&record, records + i * sizeof record, sizeof record);
    return record;
  }
};

// The kernel wrote the header and the descriptors, so their count and types
// can be trusted to describe the buffer; everything after them is the
// peer's and is checked before use.
bool ParseFrame(mach_msg_header_t* header, ParsedFrame* out, std::string* why) {
  const size_t size = header->msgh_size;
  if (!(header->msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
      size < sizeof(mach_msg_base_t)) {
    *why = "a frame that is not a complex message";
    return false;
  }
  auto* bytes = reinterpret_cast<uint8_t*>(header);
  auto* base = reinterpret_cast<mach_msg_base_t*>(header);
  out->ports = reinterpret_cast<mach_msg_port_descriptor_t*>(base + 1);
  size_t offset = sizeof(mach_msg_base_t);
  for (mach_msg_size_t i = 0; i < base->body.msgh_descriptor_count; ++i) {
    if (offset + sizeof(mach_msg_type_descriptor_t) > size) {
      *why = "descriptors past the end of the message";
      return false;
    }
    auto* descriptor = reinterpret_cast<mach_msg_descriptor_t*>(bytes + offset);
    // Ports first, then at most kMaxOutOfLine regions.
    if (descriptor->type.type == MACH_MSG_PORT_DESCRIPTOR &&
        out->out_of_line_count == 0) {
      ++out->port_count;
      offset += sizeof(mach_msg_port_descriptor_t);
    } else if (descriptor->type.type == MACH_MSG_OOL_DESCRIPTOR &&
               out->out_of_line_count < mac::kMaxOutOfLine) {
      out->out_of_line[out->out_of_line_count++] = &descriptor->out_of_line;
      offset += sizeof(mach_msg_ool_descriptor_t);
    } else {
      *why = "a frame with descriptors of an unexpected kind or order";
      return false;
    }
  }
  if (offset + sizeof(FrameInfo) > size) {
    *why = "a frame without its frame information";
    return false;
  }
  std::memcpy(&out->info, bytes + offset, sizeof(FrameInfo));
  offset += sizeof(FrameInfo);
  if (out->info.handle_count != out->port_count) {
    *why = "a frame whose handle count disagrees with its ports";
    return false;
  }
  size_t records_size = out->port_count * sizeof(HandleRecord);
  if (records_size > size - offset ||
      out->info.inline_size > size - offset - records_size) {
    *why = "a frame whose contents run past the end of the message";
    return false;
  }
  out->records = bytes + offset;
  offset += records_size;
  out->inline_data = bytes + offset;
  offset += out->info.inline_size;
  if (mac::RoundUp4(offset) != size) {
    *why = "a frame with bytes after its data";
    return false;
  }
  uint64_t frame_size = out->info.inline_size;
  for (size_t i = 0; i < out->out_of_line_count; ++i)
    frame_size += out->out_of_line[i]->size;
  if (frame_size != out->info.frame_size) {
    *why = "a frame whose size disagrees with its parts";
    return false;
  }
  for (size_t i = 0; i < out->port_count; ++i) {
    HandleRecord record = out->record(i);
    if (record.kind > kMaxRightKind) {
      *why = "a handle of an unknown kind";
      return false;
    }
    auto kind = static_cast<RightKind>(record.kind);
    const mach_msg_port_descriptor_t& port = out->ports[i];
    if (port.disposition != ArrivingDisposition(kind) ||
        !mac::rules::AcceptableName(kind, port.name)) {
      *why = "a handle that is not the right its record names";
      return false;
    }
  }
  return true;
}

// Writes a frame's bytes, in order, into the caller's head then tail
// buffer; what does not fit is dropped (the caller learns from the size).
class FrameWriter {
 public:
  explicit FrameWriter(const FrameBuffers& frame) : frame_(frame) {}

  void Write(const uint8_t* data, size_t size) {
    size_t to_head = std::min(size, frame_.head_size - head_used_);
    if (to_head > 0) {
      std::memcpy(frame_.head + head_used_, data, to_head);
      head_used_ += to_head;
    }
    size_t to_tail = std::min(size - to_head, frame_.tail_size - tail_used_);
    if (to_tail > 0) {
      std::memcpy(frame_.tail + tail_used_, data + to_head, to_tail);
      tail_used_ += to_tail;
    }
  }

 private:
  const FrameBuffers& frame_;
  size_t head_used_ = 0;
  size_t tail_used_ = 0;
};

// One handle as it goes into a frame message.
struct Outgoing {
  mach_port_t name = MACH_PORT_NULL;
  mach_msg_type_name_t disposition = 0;
  // The caller's own right goes with the message (send-once and receive
  // rights, which cannot be copied). Otherwise the message carries a copy
  // (COPY_SEND) or a fileport made for it, and the caller's handle is
  // released only once the send succeeded: a failed send leaves it alone.
  bool moves = false;
  ScopedMachSendRight fileport;  // kFd only
};

// Checks one handle and says how it travels. Every handle is checked before
// anything is sent: a right the kernel refused half-way through the message
// would leave the ones taken before it lost.
bool PrepareHandle(const OwnedHandle& handle,
                   size_t index,
                   mach_port_t inbox,
                   mach_port_t peer,
                   std::set<mach_port_t>* moved,
                   Outgoing* out,
                   Error* error) {
  const int64_t value = handle.get();
  auto refuse = [&](const std::string& why) {
    *error =
        Error::Make(codes::kInvalidRight, "Handle " + std::to_string(index) +
                                              " cannot be sent: " + why);
    return false;
  };
  const RightKind kind = handle.kind();
  if (kind == RightKind::kFd) {
    if (value < 0 || value > INT_MAX)
      return refuse("it is not a descriptor");
    // The fileport holds its own reference to the open file; the caller's
    // descriptor is closed once the message is sent, as if moved.
    if (fileport_makeport(static_cast<int>(value), out->fileport.receive()) <
        0) {
      *error =
          SystemError("fileport_makeport", errno,
                      "Handle " + std::to_string(index) + " cannot be sent",
                      errno == EBADF ? codes::kInvalidRight : codes::kSystem);
      return false;
    }
    out->name = out->fileport.get();
    out->disposition = MACH_MSG_TYPE_MOVE_SEND;
    return true;
  }
  const bool send_once = kind == RightKind::kSendOnceRight;
  const bool receive =
      kind == RightKind::kReceiveRight || kind == RightKind::kChannel;
  out->moves = send_once || receive;
  out->disposition = receive     ? MACH_MSG_TYPE_MOVE_RECEIVE
                     : send_once ? MACH_MSG_TYPE_MOVE_SEND_ONCE
                                 : MACH_MSG_TYPE_COPY_SEND;
  // A right that arrived dead is passed on as such.
  if (value == MACH_PORT_DEAD && !receive) {
    out->name = MACH_PORT_DEAD;
    return true;
  }
  if (value <= 0 || value > UINT_MAX)
    return refuse("it is not a port name");
  auto name = static_cast<mach_port_t>(value);
  mach_port_type_t type = 0;
  if (mach_port_type(mach_task_self(), name, &type) != KERN_SUCCESS)
    return refuse("it is not a right of this process");
  // A send or send-once right whose port died is a dead name now, and is
  // sent as one.
  mach_port_type_t needed =
      receive     ? MACH_PORT_TYPE_RECEIVE
      : send_once ? MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME
                  : MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME;
  if (!(type & needed))
    return refuse("it does not hold the right its kind names");
  if (receive && name == inbox)
    return refuse("it is this channel end's own inbox");
  // The message goes into that very port's queue; the kernel would destroy
  // it, and the peer's end with it.
  if (receive && name == peer)
    return refuse("it is the other end of this channel");
  if (out->moves && !moved->insert(name).second)
    return refuse("it is moved twice");
  out->name = name;
  return true;
}

}  // namespace

std::unique_ptr<MachChannelTransport> MachChannelTransport::Adopt(
    ScopedMachReceiveRight inbox,
    Error* error) {
  if (!SetQueueLimit(inbox.get(), mac::kQueueLimit, error))
    return nullptr;
  // Have the kernel tell the inbox itself when the last send right to it
  // is gone: the peer's end holds the only one (or its hello does). The
  // request stays with the port when the receive right moves, so an earlier
  // owner's request still stands. Made with sync 0, it fires at once if
  // there are no senders left already.
  mach_port_status_t status{};
  mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
  kern_return_t kr = mach_port_get_attributes(
      mach_task_self(), inbox.get(), MACH_PORT_RECEIVE_STATUS,
      reinterpret_cast<mach_port_info_t>(&status), &count);
  if (kr != KERN_SUCCESS || !status.mps_nsrequest) {
    ScopedMachSendOnceRight previous;
    kr = mach_port_request_notification(
        mach_task_self(), inbox.get(), MACH_NOTIFY_NO_SENDERS, 0, inbox.get(),
        MACH_MSG_TYPE_MAKE_SEND_ONCE, previous.receive());
    if (kr != KERN_SUCCESS) {
      *error = MachError("mach_port_request_notification", kr,
                         "Could not watch a channel's peer");
      return nullptr;
    }
  }
  // The knote only signals that a message waits (no MACH_RCV_MSG in its
  // fflags, so processing it never dequeues anything); libuv polls the
  // kqueue descriptor itself, which is readable while the knote is active.
  ScopedFd kq(::kqueue());
  if (!kq || ::fcntl(kq.get(), F_SETFD, FD_CLOEXEC) < 0) {
    *error = SystemError("kqueue", errno, "Could not watch a channel");
    return nullptr;
  }
  struct kevent change;
  EV_SET(&change, inbox.get(), EVFILT_MACHPORT, EV_ADD | EV_ENABLE, 0, 0,
         nullptr);
  if (::kevent(kq.get(), &change, 1, nullptr, 0, nullptr) != 0) {
    *error = SystemError("kevent", errno, "Could not watch a channel");
    return nullptr;
  }
  return std::unique_ptr<MachChannelTransport>(
      new MachChannelTransport(std::move(inbox), std::move(kq)));
}

MachChannelTransport::MachChannelTransport(ScopedMachReceiveRight inbox,
                                           ScopedFd kqueue)
    : inbox_(std::move(inbox)),
      kqueue_(std::move(kqueue)),
      buffer_(mac::kReceiveBufferSize) {}

MachChannelTransport::~MachChannelTransport() {
  kqueue_.reset();  // before the inbox its knote watches
  read_ahead_.clear();
  buffer_.Reset();
  // Destroys every message still queued, and with them any rights they
  // carry (a hello's send right to the peer among them).
  inbox_.reset();
  // The peer's inbox loses its last sender: its end sees kPeerClosed.
  peer_.reset();
}

size_t MachChannelTransport::max_frame_size() const {
  return mac::kMaxFrameSize;
}

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
      *error =
          BadMessage("a message of " + std::to_string(too_large) + " bytes");
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
      *error = BadMessage("the channel end holds no address of its peer");
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
      *error = BadMessage("too many messages before the peer's address");
      return IoStatus::kFailed;
    }
    // Frames (and anything malformed) are delivered later, in order.
    read_ahead_.push_back(buffer_.TakeCopy());
  }
}

bool MachChannelTransport::AcceptHello(mac::ReceivedMessage* message,
                                       Error* error) {
  auto* hello = reinterpret_cast<HelloMessage*>(message->header());
  // The size first: nothing past it may be read.
  bool well_formed = hello->header.msgh_size == sizeof(HelloMessage) &&
                     (hello->header.msgh_bits & MACH_MSGH_BITS_COMPLEX) &&
                     hello->body.msgh_descriptor_count == 1 &&
                     hello->peer.type == MACH_MSG_PORT_DESCRIPTOR &&
                     hello->peer.disposition == MACH_MSG_TYPE_PORT_SEND;
  if (!well_formed || peer_known_) {
    message->Reset();
    *error = BadMessage(well_formed ? "a second address for the peer"
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

IoStatus MachChannelTransport::SendFrame(const FrameBuffers& frame,
                                         std::vector<OwnedHandle>* handles,
                                         Error* error) {
  if (!inbox_) {
    *error = GivenAway();
    return IoStatus::kFailed;
  }
  if (!peer_known_) {
    IoStatus status = FindPeer(error);
    if (status != IoStatus::kDone)
      return status;
  }
  if (peer_gone_ || !peer_)
    return IoStatus::kPeerClosed;
  if (frame.head_size > mac::kMaxFrameSize ||
      frame.tail_size > mac::kMaxFrameSize - frame.head_size) {
    *error = Error::Range(
        codes::kInvalidArgument,
        "A frame of " + std::to_string(frame.head_size + frame.tail_size) +
            " bytes is larger than the " + std::to_string(mac::kMaxFrameSize) +
            " a channel carries");
    return IoStatus::kFailed;
  }
  const size_t count = handles->size();
  if (count > mac::kMaxFrameHandles) {
    *error =
        Error::Range(codes::kTooManyRights,
                     "A frame carries at most " +
                         std::to_string(mac::kMaxFrameHandles) + " handles");
    return IoStatus::kFailed;
  }
  std::vector<Outgoing> outgoing(count);
  std::set<mach_port_t> moved;
  for (size_t i = 0; i < count; ++i) {
    if (!PrepareHandle((*handles)[i], i, inbox_.get(), peer_.get(), &moved,
                       &outgoing[i], error)) {
      return IoStatus::kFailed;  // the fileports made so far are dropped
    }
  }

  // The frame's pieces: inline up to kInlineLimit, else the head inline
  // (when small, as a frame header is) and the rest out of line.
  struct Piece {
    const uint8_t* data;
    size_t size;
  };
  Piece inline_pieces[2];
  size_t inline_count = 0;
  Piece out_of_line[mac::kMaxOutOfLine];
  size_t out_of_line_count = 0;
  const size_t total = frame.head_size + frame.tail_size;
  if (frame.head_size > 0) {
    if (total <= mac::kInlineLimit || frame.head_size <= mac::kInlineLimit)
      inline_pieces[inline_count++] = {frame.head, frame.head_size};
    else
      out_of_line[out_of_line_count++] = {frame.head, frame.head_size};
  }
  if (frame.tail_size > 0) {
    if (total <= mac::kInlineLimit)
      inline_pieces[inline_count++] = {frame.tail, frame.tail_size};
    else
      out_of_line[out_of_line_count++] = {frame.tail, frame.tail_size};
  }
  size_t inline_size = 0;
  for (size_t i = 0; i < inline_count; ++i)
    inline_size += inline_pieces[i].size;

  const size_t size =
      mac::FrameMessageSize(count, out_of_line_count, inline_size);
  // Zeroed, so padding and reserved fields never carry stale bytes.
  send_buffer_.assign((size + sizeof(uint64_t) - 1) / sizeof(uint64_t), 0);
  auto* bytes = reinterpret_cast<uint8_t*>(send_buffer_.data());
  auto* header = reinterpret_cast<mach_msg_header_t*>(bytes);
  header->msgh_bits =
      MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0, MACH_MSGH_BITS_COMPLEX);
  header->msgh_size = static_cast<mach_msg_size_t>(size);
  header->msgh_remote_port = peer_.get();
  header->msgh_local_port = MACH_PORT_NULL;
  header->msgh_id = mac::kFrameId;
  auto* body = reinterpret_cast<mach_msg_body_t*>(header + 1);
  body->msgh_descriptor_count =
      static_cast<mach_msg_size_t>(count + out_of_line_count);
  auto* ports = reinterpret_cast<mach_msg_port_descriptor_t*>(body + 1);
  for (size_t i = 0; i < count; ++i) {
    ports[i].name = outgoing[i].name;
    ports[i].disposition = outgoing[i].disposition;
    ports[i].type = MACH_MSG_PORT_DESCRIPTOR;
  }
  auto* regions = reinterpret_cast<mach_msg_ool_descriptor_t*>(ports + count);
  for (size_t i = 0; i < out_of_line_count; ++i) {
    // A physical copy: the kernel copies the bytes into pages of its own
    // and zero-fills the rest of the last one. A virtual copy would map the
    // peer the whole pages around the caller's buffer, and whatever else
    // this process keeps on them.
    regions[i].address = const_cast<uint8_t*>(out_of_line[i].data);
    regions[i].size = static_cast<mach_msg_size_t>(out_of_line[i].size);
    regions[i].deallocate = false;
    regions[i].copy = MACH_MSG_PHYSICAL_COPY;
    regions[i].type = MACH_MSG_OOL_DESCRIPTOR;
  }
  size_t offset = mac::FrameInfoOffset(count, out_of_line_count);
  FrameInfo info{static_cast<uint32_t>(count),
                 static_cast<uint32_t>(inline_size), total};
  std::memcpy(bytes + offset, &info, sizeof info);
  offset += sizeof info;
  for (size_t i = 0; i < count; ++i) {
    HandleRecord record{static_cast<uint32_t>((*handles)[i].kind()), 0,
                        (*handles)[i].byte_length()};
    std::memcpy(bytes + offset, &record, sizeof record);
    offset += sizeof record;
  }
  for (size_t i = 0; i < inline_count; ++i) {
    std::memcpy(bytes + offset, inline_pieces[i].data, inline_pieces[i].size);
    offset += inline_pieces[i].size;
  }

  // Never waits: a full queue is MACH_SEND_TIMED_OUT.
  kern_return_t kr = mach_msg(header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
                              static_cast<mach_msg_size_t>(size), 0,
                              MACH_PORT_NULL, 0, MACH_PORT_NULL);
  if (kr == KERN_SUCCESS) {
    for (size_t i = 0; i < count; ++i) {
      (void)outgoing[i].fileport.release();  // the message's now
      if (outgoing[i].moves)
        (void)(*handles)[i].release();
    }
    // Closes the descriptors that went as fileports, and drops the caller's
    // reference on the send rights the message copied.
    handles->clear();
    return IoStatus::kDone;
  }

  switch (ClassifySendFailure(kr, *header, MACH_MSG_TYPE_COPY_SEND)) {
    case SendFailure::kPseudoReceived: {
      // Every right is back in this task, under the names now in the
      // message. The moved ones are the caller's again (a receive right's
      // name may have changed); the rest are this send's own copies (the
      // fileports, the copied send rights, the destination) and go with
      // the message, as do the kernel's copies of the out-of-line bytes.
      bool lost = false;
      for (size_t i = 0; i < count; ++i) {
        (void)outgoing[i].fileport.release();
        if (!outgoing[i].moves)
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
      mac::DestroyMessageContents(header);
      if (lost) {
        *error = MachError("mach_msg", kr,
                           "A channel message failed and lost a right it "
                           "carried");
        return IoStatus::kFailed;
      }
      if (mac::sending::IsTransient(kr))
        return IoStatus::kWouldBlock;  // a full queue: retried
      *error = MachError("mach_msg", kr, "Could not send on a channel");
      return IoStatus::kFailed;
    }
    case SendFailure::kNothingConsumed:
    case SendFailure::kHeaderDestroyed:
      // Nothing was taken; the fileports' owners drop them.
      if (kr == MACH_SEND_INVALID_DEST)
        return IoStatus::kPeerClosed;  // the peer's inbox is gone
      if (mac::sending::IsTransient(kr))
        return IoStatus::kWouldBlock;  // kernel memory short for now: retried
      *error = MachError("mach_msg", kr, "Could not send on a channel");
      return IoStatus::kFailed;
    case SendFailure::kPartlyDestroyed:
      // Some rights may be gone and their names reused already: leaking
      // the rest is safer than releasing a name twice.
      for (size_t i = 0; i < count; ++i) {
        (void)outgoing[i].fileport.release();
        if (outgoing[i].moves)
          (void)(*handles)[i].release();
      }
      *error = MachError("mach_msg", kr, "Could not send on a channel");
      return IoStatus::kFailed;
  }
  return IoStatus::kFailed;
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
        *error = BadMessage("a message with id " + std::to_string(id));
        return IoStatus::kFailed;
    }
  }
}

IoStatus MachChannelTransport::DeliverFrame(mac::ReceivedMessage* message,
                                            const FrameBuffers& frame,
                                            size_t max_handles,
                                            ReceivedFrame* out,
                                            Error* error) {
  ParsedFrame parsed;
  std::string why;
  if (!ParseFrame(message->header(), &parsed, &why)) {
    message->Reset();
    *error = BadMessage(why);
    return IoStatus::kFailed;
  }
  FrameWriter writer(frame);
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
    HandleRecord record = parsed.record(i);
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

void MachChannelTransport::DrainPollQueue() {
  if (!kqueue_)
    return;
  // Processing the knote only peeks at the inbox: with nothing queued it is
  // dropped from the kqueue's active list, which clears the descriptor's
  // readability; a message that came meanwhile keeps it active. Nothing is
  // missed either way.
  struct kevent events[2];
  const timespec zero{0, 0};
  ::kevent(kqueue_.get(), nullptr, 0, events, 2, &zero);
}

void MachChannelTransport::UpdateReadAheadSignal() {
  const bool wanted = !read_ahead_.empty();
  if (!kqueue_ || wanted == read_ahead_signalled_)
    return;
  // Messages read ahead are no longer in the inbox, so its knote does not
  // stand for them. A user event, triggered without EV_CLEAR, stays active
  // (and the kqueue readable) until it is deleted.
  struct kevent changes[2];
  int count = 1;
  if (wanted) {
    EV_SET(&changes[0], kReadAheadEvent, EVFILT_USER, EV_ADD | EV_ENABLE, 0, 0,
           nullptr);
    EV_SET(&changes[1], kReadAheadEvent, EVFILT_USER, 0, NOTE_TRIGGER, 0,
           nullptr);
    count = 2;
  } else {
    EV_SET(&changes[0], kReadAheadEvent, EVFILT_USER, EV_DELETE, 0, 0, nullptr);
  }
  if (::kevent(kqueue_.get(), changes, count, nullptr, 0, nullptr) == 0)
    read_ahead_signalled_ = wanted;
}

int64_t MachChannelTransport::ReleaseEndpoint() {
  if (!inbox_)
    return -1;
  // The knote has to go before the right leaves this process.
  kqueue_.reset();
  read_ahead_signalled_ = false;
  HandOver();
  return inbox_.release();
}

void MachChannelTransport::HandOver() {
  buffer_.Reset();
  const bool put_back = !read_ahead_.empty();
  if (put_back) {
    // The messages read ahead go back in front of whatever was queued after
    // them, so the next owner reads the stream in order. Meanwhile a queue
    // limit of zero holds the peer off: its sends never wait, so it sees
    // kWouldBlock and retries. The messages put back are sent to a
    // send-once right, which the limit does not apply to.
    SetQueueLimit(inbox_.get(), MACH_PORT_QLIMIT_ZERO, nullptr);
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
  if (peer_) {
    // The peer's address goes back as a new hello, after everything else.
    // A dead name is dropped instead: the peer's end is gone, and the
    // no-senders notification tells the next owner so.
    mach_port_type_t type = 0;
    bool dead =
        mach_port_type(mach_task_self(), peer_.get(), &type) != KERN_SUCCESS ||
        (type & MACH_PORT_TYPE_DEAD_NAME);
    if (!dead) {
      HelloMessage hello;
      kern_return_t kr =
          SendHello(inbox_.get(), peer_.get(), MACH_MSG_TYPE_MOVE_SEND, &hello);
      if (kr == KERN_SUCCESS) {
        (void)peer_.release();
      } else {
        switch (ClassifySendFailure(kr, hello.header,
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
  peer_known_ = false;
  if (put_back)
    SetQueueLimit(inbox_.get(), mac::kQueueLimit, nullptr);
}

void MachChannelTransport::ResendToSelf(mac::ReceivedMessage* message) {
  mach_msg_header_t* header = message->header();
  // A received header's remote port is the sender's reply right (ours
  // never attach one): it is not passed on.
  if (MACH_PORT_VALID(header->msgh_remote_port))
    mach_port_deallocate(mach_task_self(), header->msgh_remote_port);
  header->msgh_remote_port = MACH_PORT_NULL;
  header->msgh_bits &= ~MACH_MSGH_BITS_REMOTE_MASK;
  // Received port descriptors already name MOVE_* dispositions (PORT_SEND
  // is MOVE_SEND, and so on); received regions are this process's own
  // pages, moved on as they are.
  bool complex = header->msgh_bits & MACH_MSGH_BITS_COMPLEX;
  bool movable = true;
  if (complex) {
    auto* base = reinterpret_cast<mach_msg_base_t*>(header);
    auto* cursor = reinterpret_cast<uint8_t*>(base + 1);
    const uint8_t* end = reinterpret_cast<uint8_t*>(header) + header->msgh_size;
    for (mach_msg_size_t i = 0; movable && i < base->body.msgh_descriptor_count;
         ++i) {
      auto* descriptor = reinterpret_cast<mach_msg_descriptor_t*>(cursor);
      if (cursor + sizeof(mach_msg_type_descriptor_t) > end) {
        movable = false;
      } else if (descriptor->type.type == MACH_MSG_PORT_DESCRIPTOR) {
        cursor += sizeof(mach_msg_port_descriptor_t);
      } else if (descriptor->type.type == MACH_MSG_OOL_DESCRIPTOR &&
                 cursor + sizeof(mach_msg_ool_descriptor_t) <= end) {
        descriptor->out_of_line.deallocate = true;
        descriptor->out_of_line.copy = MACH_MSG_VIRTUAL_COPY;
        cursor += sizeof(mach_msg_ool_descriptor_t);
      } else {
        movable = false;
      }
    }
  }
  if (!movable) {
    // Not a message of ours. It keeps its place and id, without its
    // contents, so the next owner stops at it as this one would have.
    mac::DestroyMessageContents(header);
    header->msgh_size = sizeof(mach_msg_header_t);
    complex = false;
  }
  header->msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, 0,
                                         complex ? MACH_MSGH_BITS_COMPLEX : 0);
  header->msgh_remote_port = inbox_.get();
  header->msgh_local_port = MACH_PORT_NULL;
  header->msgh_voucher_port = MACH_PORT_NULL;
  kern_return_t kr =
      mach_msg(header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, header->msgh_size, 0,
               MACH_PORT_NULL, 0, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) {
    switch (ClassifySendFailure(kr, *header, MACH_MSG_TYPE_MAKE_SEND_ONCE)) {
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

bool CreateChannelPair(int64_t* first, int64_t* second, Error* error) {
  ScopedMachReceiveRight ends[2];
  for (ScopedMachReceiveRight& end : ends) {
    kern_return_t kr = mach_port_allocate(
        mach_task_self(), MACH_PORT_RIGHT_RECEIVE, end.receive());
    if (kr != KERN_SUCCESS) {
      *error =
          MachError("mach_port_allocate", kr, "Could not create a channel");
      return false;
    }
    // Now, not at adoption: one end may send before the other is adopted.
    if (!SetQueueLimit(end.get(), mac::kQueueLimit, error))
      return false;
  }
  // Each inbox gets its peer's address: a send right made from the other
  // end's receive right, the only one ever made.
  for (int i = 0; i < 2; ++i) {
    HelloMessage hello;
    kern_return_t kr = SendHello(ends[i].get(), ends[1 - i].get(),
                                 MACH_MSG_TYPE_MAKE_SEND, &hello);
    if (kr != KERN_SUCCESS) {
      if (ClassifySendFailure(kr, hello.header, MACH_MSG_TYPE_MAKE_SEND_ONCE) ==
          SendFailure::kPseudoReceived) {
        mac::DestroyMessageContents(&hello.header);
      }
      *error = MachError("mach_msg", kr, "Could not create a channel");
      return false;  // destroying the inboxes destroys a queued hello too
    }
  }
  *first = ends[0].release();
  *second = ends[1].release();
  return true;
}

std::unique_ptr<ChannelTransport> AdoptChannelEnd(int64_t handle,
                                                  Error* error) {
  if (handle <= 0 || handle > UINT_MAX ||
      !MACH_PORT_VALID(static_cast<mach_port_t>(handle))) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a port name: " + std::to_string(handle));
    return nullptr;
  }
  auto name = static_cast<mach_port_t>(handle);
  mach_port_type_t type = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), name, &type);
  if (kr != KERN_SUCCESS || !(type & MACH_PORT_TYPE_RECEIVE)) {
    // Not a receive right, so nothing of the kind it was given as is ours
    // to release.
    *error = Error::Make(codes::kInvalidRight,
                         "The handle is not a channel end (a receive right)");
    return nullptr;
  }
  return MachChannelTransport::Adopt(ScopedMachReceiveRight(name), error);
}

}  // namespace rendezvous
