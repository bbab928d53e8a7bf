#include "core/channel_frames.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace rendezvous::frames {

namespace {

struct Header {
  uint32_t magic;
  uint8_t type;
  uint8_t flags;
  uint16_t handle_count;
  uint64_t value;
};
static_assert(sizeof(Header) == kHeaderSize);

struct Descriptor {
  uint32_t kind;
  uint32_t reserved;
  uint64_t byte_length;
};
static_assert(sizeof(Descriptor) == kDescriptorSize);

Header ReadHeader(const uint8_t* head) {
  Header header;
  std::memcpy(&header, head, sizeof header);
  return header;
}

bool IsTransferableKind(uint32_t kind) {
  return kind <= kMaxRightKind;
}

}  // namespace

std::vector<uint8_t> EncodeStartHead(
    uint64_t total_size,
    uint8_t flags,
    const std::vector<HandleDescriptor>& handles,
    uint64_t body_id) {
  size_t descriptors_end = kHeaderSize + handles.size() * kDescriptorSize;
  bool pooled = (flags & kFlagPooledBody) != 0;
  std::vector<uint8_t> out(descriptors_end + (pooled ? kBodyIdSize : 0));
  Header header{kMagic, kStart, flags, static_cast<uint16_t>(handles.size()),
                total_size};
  std::memcpy(out.data(), &header, sizeof header);
  for (size_t i = 0; i < handles.size(); ++i) {
    Descriptor descriptor{static_cast<uint32_t>(handles[i].kind), 0,
                          handles[i].byte_length};
    std::memcpy(out.data() + kHeaderSize + i * kDescriptorSize, &descriptor,
                sizeof descriptor);
  }
  if (pooled)
    std::memcpy(out.data() + descriptors_end, &body_id, sizeof body_id);
  return out;
}

std::vector<uint8_t> EncodeBodyReleased(uint64_t body_id) {
  std::vector<uint8_t> out(kHeaderSize);
  Header header{kMagic, kBodyReleased, 0, 0, body_id};
  std::memcpy(out.data(), &header, sizeof header);
  return out;
}

void EncodeMoreHead(uint64_t offset, uint8_t out[kHeaderSize]) {
  Header header{kMagic, kMore, 0, 0, offset};
  std::memcpy(out, &header, sizeof header);
}

Outcome MessageAssembler::Accept(const uint8_t* head,
                                 size_t head_size,
                                 size_t tail_size,
                                 size_t handle_count,
                                 AssembledMessage* out,
                                 std::string* why) {
  if (head_size < kHeaderSize) {
    *why = "frame shorter than its header";
    return Outcome::kMalformed;
  }
  Header header = ReadHeader(head);
  if (header.magic != kMagic) {
    *why = "frame has a wrong magic";
    return Outcome::kMalformed;
  }
  if (header.type == kStart && !in_message() && tail_size == 0)
    return AcceptStart(head, head_size, handle_count, out, why);
  if (header.type == kMore && in_message())
    return AcceptMore(head, head_size, tail_size, handle_count, out, why);
  if (header.type == kBodyReleased && !in_message()) {
    if (head_size != kHeaderSize || tail_size != 0 || header.flags != 0 ||
        header.handle_count != 0 || handle_count != 0) {
      *why = "malformed body released frame";
      return Outcome::kMalformed;
    }
    *out = AssembledMessage();
    out->body_id = header.value;
    return Outcome::kBodyReleased;
  }
  *why = header.type == kStart || header.type == kMore ||
                 header.type == kBodyReleased
             ? "frame out of order"
             : "frame of an unknown type";
  return Outcome::kMalformed;
}

Outcome MessageAssembler::AcceptStart(const uint8_t* head,
                                      size_t head_size,
                                      size_t handle_count,
                                      AssembledMessage* out,
                                      std::string* why) {
  Header header = ReadHeader(head);
  if ((header.flags & ~(kFlagText | kFlagOutOfLine | kFlagPooledBody)) != 0 ||
      (header.flags & (kFlagOutOfLine | kFlagPooledBody)) == kFlagPooledBody) {
    *why = "start frame has unknown flags";
    return Outcome::kMalformed;
  }
  if (header.handle_count > kMaxHandlesPerMessage) {
    *why = "message announces more handles than allowed";
    return Outcome::kMalformed;
  }
  // An out-of-line body is one descriptor more than the message's own.
  bool out_of_line = (header.flags & kFlagOutOfLine) != 0;
  if (out_of_line && handle_count == header.handle_count) {
    *why = "message announces an out-of-line body but carries none";
    return Outcome::kMalformed;
  }
  if (out_of_line)
    --handle_count;
  if (header.handle_count != handle_count) {
    *why = "message announces " + std::to_string(header.handle_count) +
           " handles but carries " + std::to_string(handle_count);
    return Outcome::kMalformed;
  }
  size_t descriptors_end = kHeaderSize + header.handle_count * kDescriptorSize;
  if (head_size < descriptors_end) {
    *why = "start frame shorter than its handle descriptors";
    return Outcome::kMalformed;
  }
  if (header.value > max_message_bytes_) {
    *why = "message larger than the channel's limit of " +
           std::to_string(max_message_bytes_) + " bytes";
    return Outcome::kMalformed;
  }
  if ((header.flags & kFlagText) != 0 && header.value > max_text_bytes_) {
    *why = "text longer than the receiver can hold (" +
           std::to_string(max_text_bytes_) + " bytes)";
    return Outcome::kMalformed;
  }
  size_t inline_size = head_size - descriptors_end;
  if (inline_size > header.value) {
    *why = "start frame carries more data than its message";
    return Outcome::kMalformed;
  }
  AssembledMessage message;
  message.flags = header.flags;
  message.size = header.value;
  for (uint16_t i = 0; i < header.handle_count; ++i) {
    Descriptor descriptor;
    std::memcpy(&descriptor, head + kHeaderSize + i * kDescriptorSize,
                sizeof descriptor);
    bool is_memory =
        descriptor.kind == static_cast<uint32_t>(RightKind::kSharedMemory);
    if (!IsTransferableKind(descriptor.kind) || descriptor.reserved != 0 ||
        (descriptor.byte_length != 0) != is_memory) {
      *why = "message has a malformed handle descriptor";
      return Outcome::kMalformed;
    }
    message.handles.push_back(HandleDescriptor{
        static_cast<RightKind>(descriptor.kind), descriptor.byte_length});
  }
  if (out_of_line)
    return AcceptOutOfLine(std::move(message), head + descriptors_end,
                           inline_size, out, why);
  // Room for what came so far, and one byte even for an empty message, so
  // in_message() can tell a message in progress from none.
  size_t capacity = inline_size > 0 ? inline_size : 1;
  message.data.reset(static_cast<uint8_t*>(std::malloc(capacity)));
  if (!message.data) {
    *why =
        "no memory for a message of " + std::to_string(message.size) + " bytes";
    return Outcome::kMalformed;
  }
  std::memcpy(message.data.get(), head + descriptors_end, inline_size);
  message_ = std::move(message);
  received_ = inline_size;
  capacity_ = capacity;
  progress_mark_ = received_;
  return received_ == message_.size ? Finish(out) : Outcome::kIncomplete;
}

size_t MessageAssembler::ReserveNext(size_t frame_bytes) {
  uint64_t wanted = std::min<uint64_t>(frame_bytes, remaining());
  if (capacity_ - received_ < wanted) {
    // Doubling keeps the copies (if realloc cannot move the pages) to a
    // constant factor of the message; never past the announced size.
    uint64_t grown =
        std::min(message_.size, std::max(capacity_ * 2, received_ + wanted));
    void* bytes = std::realloc(message_.data.get(), grown);
    if (bytes == nullptr)
      return 0;
    (void)message_.data.release();  // realloc moved or kept the block
    message_.data.reset(static_cast<uint8_t*>(bytes));
    capacity_ = grown;
  }
  return static_cast<size_t>(std::min(wanted, capacity_ - received_));
}

bool MessageAssembler::MadeProgress() {
  uint64_t due = std::min(kMinProgressBytes, message_.size - progress_mark_);
  bool moved = received_ - progress_mark_ >= due;
  progress_mark_ = received_;
  return moved;
}

Outcome MessageAssembler::AcceptMore(const uint8_t* head,
                                     size_t head_size,
                                     size_t tail_size,
                                     size_t handle_count,
                                     AssembledMessage* out,
                                     std::string* why) {
  Header header = ReadHeader(head);
  // Data of a more frame must land in place, not in the head.
  if (head_size != kHeaderSize || header.flags != 0 ||
      header.handle_count != 0) {
    *why = "malformed continuation frame";
    return Outcome::kMalformed;
  }
  if (handle_count != 0) {
    *why = "continuation frame carries handles";
    return Outcome::kMalformed;
  }
  if (header.value != received_) {
    *why = "continuation frame at the wrong offset";
    return Outcome::kMalformed;
  }
  if (tail_size == 0 || tail_size > remaining() ||
      tail_size > capacity_ - received_) {
    *why = "continuation frame of a wrong size";
    return Outcome::kMalformed;
  }
  received_ += tail_size;
  return received_ == message_.size ? Finish(out) : Outcome::kIncomplete;
}

// The whole message is this frame: its data is the body that came with it,
// which the bindings check and map.
Outcome MessageAssembler::AcceptOutOfLine(AssembledMessage announced,
                                          const uint8_t* inline_data,
                                          size_t inline_size,
                                          AssembledMessage* out,
                                          std::string* why) {
  // A pooled body's id is all a start frame may carry besides its head.
  size_t id_size = (announced.flags & kFlagPooledBody) != 0 ? kBodyIdSize : 0;
  if (inline_size != id_size) {
    *why = inline_size < id_size
               ? "out-of-line message lacks its body's id"
               : "out-of-line message carries data in its frame";
    return Outcome::kMalformed;
  }
  if (announced.size == 0) {
    *why = "out-of-line message announces an empty body";
    return Outcome::kMalformed;
  }
  if (id_size != 0)
    std::memcpy(&announced.body_id, inline_data, id_size);
  *out = std::move(announced);
  return Outcome::kComplete;
}

Outcome MessageAssembler::Finish(AssembledMessage* out) {
  *out = std::move(message_);
  Reset();
  return Outcome::kComplete;
}

}  // namespace rendezvous::frames
