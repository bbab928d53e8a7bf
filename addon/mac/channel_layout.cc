// A channel's messages as bytes: see mac/channel_layout.h.
#include "mac/channel_layout.h"

#include <algorithm>

#include "core/right.h"
#include "mac/mach_right.h"
#include "mac/received_message.h"

namespace rendezvous::mac {

namespace {

struct Piece {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// The frame's pieces: inline up to kInlineLimit, else the head inline (when
// small, as a frame header is) and the rest out of line.
struct FramePieces {
  Piece inline_pieces[2];
  size_t inline_count = 0;
  Piece out_of_line[kMaxOutOfLine];
  size_t out_of_line_count = 0;
  size_t inline_size = 0;
};

FramePieces SplitFrame(const FrameBuffers& frame) {
  FramePieces pieces;
  const size_t total = frame.head_size + frame.tail_size;
  if (frame.head_size > 0) {
    Piece head{frame.head, frame.head_size};
    if (total <= kInlineLimit || frame.head_size <= kInlineLimit)
      pieces.inline_pieces[pieces.inline_count++] = head;
    else
      pieces.out_of_line[pieces.out_of_line_count++] = head;
  }
  if (frame.tail_size > 0) {
    Piece tail{frame.tail, frame.tail_size};
    if (total <= kInlineLimit)
      pieces.inline_pieces[pieces.inline_count++] = tail;
    else
      pieces.out_of_line[pieces.out_of_line_count++] = tail;
  }
  for (size_t i = 0; i < pieces.inline_count; ++i)
    pieces.inline_size += pieces.inline_pieces[i].size;
  return pieces;
}

// Checks the handles' records against their ports.
bool CheckFrameHandles(const ParsedFrame& parsed, std::string* why) {
  for (size_t i = 0; i < parsed.port_count; ++i) {
    HandleRecord record = parsed.record(i);
    if (record.kind > kMaxRightKind) {
      *why = "a handle of an unknown kind";
      return false;
    }
    auto kind = static_cast<RightKind>(record.kind);
    const mach_msg_port_descriptor_t& port = parsed.ports[i];
    if (port.disposition != ArrivingDisposition(kind) ||
        !rules::AcceptableName(kind, port.name)) {
      *why = "a handle that is not the right its record names";
      return false;
    }
  }
  return true;
}

// Finds the descriptors: ports first, then at most kMaxOutOfLine regions.
// Returns the offset past them, or 0.
size_t FindDescriptors(mach_msg_header_t* header,
                       ParsedFrame* out,
                       std::string* why) {
  const size_t size = header->msgh_size;
  auto* bytes = reinterpret_cast<uint8_t*>(header);
  auto* base = reinterpret_cast<mach_msg_base_t*>(header);
  out->ports = FramePorts(header);
  size_t offset = sizeof(mach_msg_base_t);
  for (mach_msg_size_t i = 0; i < base->body.msgh_descriptor_count; ++i) {
    if (offset + sizeof(mach_msg_type_descriptor_t) > size) {
      *why = "descriptors past the end of the message";
      return 0;
    }
    auto* descriptor = reinterpret_cast<mach_msg_descriptor_t*>(bytes + offset);
    if (descriptor->type.type == MACH_MSG_PORT_DESCRIPTOR &&
        out->out_of_line_count == 0) {
      ++out->port_count;
      offset += sizeof(mach_msg_port_descriptor_t);
    } else if (descriptor->type.type == MACH_MSG_OOL_DESCRIPTOR &&
               out->out_of_line_count < kMaxOutOfLine) {
      out->out_of_line[out->out_of_line_count++] = &descriptor->out_of_line;
      offset += sizeof(mach_msg_ool_descriptor_t);
    } else {
      *why = "a frame with descriptors of an unexpected kind or order";
      return 0;
    }
  }
  return offset;
}

// Received port descriptors already name MOVE_* dispositions (PORT_SEND is
// MOVE_SEND, and so on), as do the rights in a received port array; received
// regions and arrays are this process's own pages, moved on as they are.
// False if a descriptor is of no kind this can move.
bool MakeDescriptorsMovable(mach_msg_header_t* header) {
  auto* base = reinterpret_cast<mach_msg_base_t*>(header);
  auto* cursor = reinterpret_cast<uint8_t*>(base + 1);
  const uint8_t* end = reinterpret_cast<uint8_t*>(header) + header->msgh_size;
  for (mach_msg_size_t i = 0; i < base->body.msgh_descriptor_count; ++i) {
    auto* descriptor = reinterpret_cast<mach_msg_descriptor_t*>(cursor);
    if (cursor + sizeof(mach_msg_type_descriptor_t) > end)
      return false;
    if (descriptor->type.type == MACH_MSG_PORT_DESCRIPTOR) {
      cursor += sizeof(mach_msg_port_descriptor_t);
    } else if (descriptor->type.type == MACH_MSG_OOL_DESCRIPTOR &&
               cursor + sizeof(mach_msg_ool_descriptor_t) <= end) {
      descriptor->out_of_line.deallocate = true;
      descriptor->out_of_line.copy = MACH_MSG_VIRTUAL_COPY;
      cursor += sizeof(mach_msg_ool_descriptor_t);
    } else if (descriptor->type.type == MACH_MSG_OOL_PORTS_DESCRIPTOR &&
               cursor + sizeof(mach_msg_ool_ports_descriptor_t) <= end &&
               descriptor->ool_ports.address != nullptr) {
      descriptor->ool_ports.deallocate = true;
      descriptor->ool_ports.copy = MACH_MSG_VIRTUAL_COPY;
      cursor += sizeof(mach_msg_ool_ports_descriptor_t);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

Error BadMessage(const std::string& why) {
  return Error::Make(codes::kBadMessage, "Malformed channel message: " + why);
}

void WriteHello(mach_port_t inbox,
                mach_port_t peer,
                mach_msg_type_name_t disposition,
                HelloMessage* hello) {
  std::memset(hello, 0, sizeof *hello);
  hello->header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0,
                                               0, MACH_MSGH_BITS_COMPLEX);
  hello->header.msgh_size = sizeof *hello;
  hello->header.msgh_remote_port = inbox;
  hello->header.msgh_local_port = MACH_PORT_NULL;
  hello->header.msgh_id = kHelloId;
  hello->body.msgh_descriptor_count = 1;
  hello->peer.name = peer;
  hello->peer.disposition = disposition;
  hello->peer.type = MACH_MSG_PORT_DESCRIPTOR;
}

mach_msg_header_t* WriteFrame(const FrameBuffers& frame,
                              mach_port_t peer,
                              const std::vector<FramePort>& ports,
                              std::vector<uint64_t>* storage) {
  const FramePieces pieces = SplitFrame(frame);
  const size_t count = ports.size();
  const size_t size =
      FrameMessageSize(count, pieces.out_of_line_count, pieces.inline_size);
  // Zeroed, so padding and reserved fields never carry stale bytes.
  storage->assign((size + sizeof(uint64_t) - 1) / sizeof(uint64_t), 0);
  auto* bytes = reinterpret_cast<uint8_t*>(storage->data());
  auto* header = reinterpret_cast<mach_msg_header_t*>(bytes);
  header->msgh_bits =
      MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0, MACH_MSGH_BITS_COMPLEX);
  header->msgh_size = static_cast<mach_msg_size_t>(size);
  header->msgh_remote_port = peer;
  header->msgh_local_port = MACH_PORT_NULL;
  header->msgh_id = kFrameId;
  auto* body = reinterpret_cast<mach_msg_body_t*>(header + 1);
  body->msgh_descriptor_count =
      static_cast<mach_msg_size_t>(count + pieces.out_of_line_count);
  mach_msg_port_descriptor_t* descriptors = FramePorts(header);
  for (size_t i = 0; i < count; ++i) {
    descriptors[i].name = ports[i].name;
    descriptors[i].disposition = ports[i].disposition;
    descriptors[i].type = MACH_MSG_PORT_DESCRIPTOR;
  }
  auto* regions =
      reinterpret_cast<mach_msg_ool_descriptor_t*>(descriptors + count);
  for (size_t i = 0; i < pieces.out_of_line_count; ++i) {
    // A physical copy: the kernel copies the bytes into pages of its own
    // and zero-fills the rest of the last one. A virtual copy would map the
    // peer the whole pages around the caller's buffer, and whatever else
    // this process keeps on them.
    regions[i].address = const_cast<uint8_t*>(pieces.out_of_line[i].data);
    regions[i].size = static_cast<mach_msg_size_t>(pieces.out_of_line[i].size);
    regions[i].deallocate = false;
    regions[i].copy = MACH_MSG_PHYSICAL_COPY;
    regions[i].type = MACH_MSG_OOL_DESCRIPTOR;
  }
  size_t offset = FrameInfoOffset(count, pieces.out_of_line_count);
  FrameInfo info{static_cast<uint32_t>(count),
                 static_cast<uint32_t>(pieces.inline_size),
                 frame.head_size + frame.tail_size};
  std::memcpy(bytes + offset, &info, sizeof info);
  offset += sizeof info;
  for (const FramePort& port : ports) {
    std::memcpy(bytes + offset, &port.record, sizeof port.record);
    offset += sizeof port.record;
  }
  for (size_t i = 0; i < pieces.inline_count; ++i) {
    const Piece& piece = pieces.inline_pieces[i];
    std::memcpy(bytes + offset, piece.data, piece.size);
    offset += piece.size;
  }
  return header;
}

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
  // Ours never attach one; taking it out of the message would be the only
  // way to release it off this thread.
  if (MACH_PORT_VALID(header->msgh_remote_port)) {
    *why = "a frame with a reply right";
    return false;
  }
  size_t offset = FindDescriptors(header, out, why);
  if (offset == 0)
    return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(header);
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
  if (RoundUp4(offset) != size) {
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
  return CheckFrameHandles(*out, why);
}

void FrameWriter::Write(const uint8_t* data, size_t size) {
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

void ReadyForResend(mach_msg_header_t* header, mach_port_t inbox) {
  // A received header's remote port is the reply right its sender attached
  // (ours never attach one). It goes on as the reply right, moved: releasing
  // it here could be a peer's file's last close.
  const mach_port_t reply = header->msgh_remote_port;
  const mach_msg_type_name_t reply_type =
      MACH_PORT_VALID(reply) ? MACH_MSGH_BITS_REMOTE(header->msgh_bits) : 0;
  bool complex = header->msgh_bits & MACH_MSGH_BITS_COMPLEX;
  if (complex && !MakeDescriptorsMovable(header)) {
    header->msgh_bits &= ~MACH_MSGH_BITS_REMOTE_MASK;
    header->msgh_remote_port = MACH_PORT_NULL;
    DestroyMessageContents(header);
    header->msgh_size = sizeof(mach_msg_header_t);
    complex = false;
  }
  header->msgh_bits =
      MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MAKE_SEND_ONCE, reply_type, 0,
                         complex ? MACH_MSGH_BITS_COMPLEX : 0);
  header->msgh_remote_port = inbox;
  header->msgh_local_port = reply_type != 0 ? reply : MACH_PORT_NULL;
  header->msgh_voucher_port = MACH_PORT_NULL;
}

}  // namespace rendezvous::mac
