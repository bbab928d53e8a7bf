// How a channel message travels as frames, and the reassembly of frames a
// peer sent back into messages. Pure and bounds-checked: it parses untrusted
// bytes, and it is what the channel fuzz target drives.
//
// A message is one start frame, then as many more frames as its data needs.
// Every frame begins with the same 16-byte header (host byte order: both
// ends run on one machine):
//
//   magic "EPRc" u32 | type u8 | flags u8 | handle_count u16 | value u64
//
//   start (type 1): value = the message's total data length; then
//     handle_count descriptors { kind u32 | reserved u32 | byte_length u64 },
//     then the first data bytes. The message's handles ride on this frame.
//   more  (type 2): value = the offset of this frame's data in the message;
//     handle_count 0, no handles; then data.
//
// flags bit 0: the data is UTF-8 text. flags bit 1: the data is out of line
// (a body the transport carries as one more handle after the message's
// own, e.g. a sealed memfd): the start frame then carries no data and is
// the message's only frame, and value is the body's length. Frames of one
// message are never interleaved with another's, so a start frame is only valid
// between messages and a more frame only within one.
//
// flags bit 2 (only with bit 1): the body is one its sender keeps and will
// fill again once told it may (core/body_pool.h); the start frame then
// carries the body's id, a u64, after its descriptors.
//
//   body released (type 3): value = the id of a body this end received,
//     which it no longer reads; handle_count 0, flags 0, nothing else. It
//     travels between messages, from a message's receiver to its sender.
#ifndef ADDON_CORE_CHANNEL_FRAMES_H_
#define ADDON_CORE_CHANNEL_FRAMES_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/right.h"

namespace rendezvous::frames {

inline constexpr uint32_t kMagic = 0x63525045;  // "EPRc"
inline constexpr uint8_t kStart = 1;
inline constexpr uint8_t kMore = 2;
inline constexpr uint8_t kBodyReleased = 3;
inline constexpr uint8_t kFlagText = 1;
inline constexpr uint8_t kFlagOutOfLine = 2;
inline constexpr uint8_t kFlagPooledBody = 4;
inline constexpr size_t kBodyIdSize = 8;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDescriptorSize = 16;
// Handles in one message; Linux allows 253 descriptors per sendmsg.
inline constexpr size_t kMaxHandlesPerMessage = 64;
// What may arrive with one frame: the message's handles and an out-of-line
// body, which does not count against the caller's handles.
inline constexpr size_t kMaxHandlesPerFrame = kMaxHandlesPerMessage + 1;
inline constexpr uint64_t kDefaultMaxMessageBytes = uint64_t{1} << 30;

struct HandleDescriptor {
  RightKind kind = RightKind::kFd;
  uint64_t byte_length = 0;  // kSharedMemory only
};

// The head of a start frame: header and descriptors (and `body_id` where
// flags has kFlagPooledBody), without data.
std::vector<uint8_t> EncodeStartHead(uint64_t total_size,
                                     uint8_t flags,
                                     const std::vector<HandleDescriptor>& h,
                                     uint64_t body_id = 0);
// A whole body released frame.
std::vector<uint8_t> EncodeBodyReleased(uint64_t body_id);
// The header of a more frame.
void EncodeMoreHead(uint64_t offset, uint8_t out[kHeaderSize]);

// A message's bytes, from malloc: they grow with realloc as frames arrive.
struct FreeBytes {
  void operator()(uint8_t* bytes) const { std::free(bytes); }
};
using MessageBytes = std::unique_ptr<uint8_t[], FreeBytes>;

struct AssembledMessage {
  uint8_t flags = 0;
  // Null when the data is out of line (flags has kFlagOutOfLine): the body
  // is then the last handle that came with the message, not among
  // `handles`, and `size` is its announced length.
  MessageBytes data;
  uint64_t size = 0;
  std::vector<HandleDescriptor> handles;
  // Where flags has kFlagPooledBody: the body's id, to name in a body
  // released frame. For Outcome::kBodyReleased: the id released.
  uint64_t body_id = 0;
};

// A message in progress must gain this much (or all it still lacks) between
// two progress checks, or it is stalled.
inline constexpr uint64_t kMinProgressBytes = 1024 * 1024;

// kBodyReleased: the frame was a body released frame (its id in the out
// message's body_id), no message.
enum class Outcome { kIncomplete, kComplete, kMalformed, kBodyReleased };

// Reassembles one peer's frames. Frames arrive in order (the transports
// preserve it), each read either whole into a head buffer or, within a
// message, as a header into the head buffer and data straight into place.
class MessageAssembler {
 public:
  // Messages longer than `max_message_bytes`, and text longer than
  // `max_text_bytes`, are refused at their start frame, before anything is
  // allocated for them. Memory for a message is taken as its data arrives,
  // not when it is announced, so a peer that announces much and sends
  // little makes this end hold only what it sent.
  MessageAssembler(uint64_t max_message_bytes, uint64_t max_text_bytes)
      : max_message_bytes_(max_message_bytes),
        max_text_bytes_(max_text_bytes) {}

  // Drops a message in progress (the end closed).
  void Reset() {
    message_ = AssembledMessage();
    received_ = 0;
    capacity_ = 0;
    progress_mark_ = 0;
  }

  // True between a start frame and the message's last byte.
  bool in_message() const { return message_.data != nullptr; }
  // Where the next more frame's data belongs, and how much is still due.
  uint8_t* next_data() const { return message_.data.get() + received_; }
  uint64_t remaining() const { return message_.size - received_; }

  // Makes room at next_data() for the data of the next more frame, at most
  // `frame_bytes` (or what is still due), and returns how much room there
  // is; 0 when no memory could be had.
  size_t ReserveNext(size_t frame_bytes);

  // For a message in progress, called once per stall interval: false when
  // it gained less than kMinProgressBytes (or all it still lacked) since
  // its start or the previous call.
  bool MadeProgress();

  // Accepts one frame. `head` holds its first `head_size` bytes; within a
  // message, `tail_size` more bytes landed at next_data(). `handle_count`
  // handles arrived with it. On kComplete the message is moved to `out`; on
  // kMalformed `why` says what was wrong and the assembler must be dropped.
  Outcome Accept(const uint8_t* head,
                 size_t head_size,
                 size_t tail_size,
                 size_t handle_count,
                 AssembledMessage* out,
                 std::string* why);

 private:
  Outcome AcceptStart(const uint8_t* head,
                      size_t head_size,
                      size_t handle_count,
                      AssembledMessage* out,
                      std::string* why);
  Outcome AcceptMore(const uint8_t* head,
                     size_t head_size,
                     size_t tail_size,
                     size_t handle_count,
                     AssembledMessage* out,
                     std::string* why);
  Outcome Finish(AssembledMessage* out);
  Outcome AcceptOutOfLine(AssembledMessage announced,
                          const uint8_t* inline_data,
                          size_t inline_size,
                          AssembledMessage* out,
                          std::string* why);

  const uint64_t max_message_bytes_;
  const uint64_t max_text_bytes_;
  AssembledMessage message_;
  uint64_t received_ = 0;
  uint64_t capacity_ = 0;       // bytes allocated at message_.data
  uint64_t progress_mark_ = 0;  // received_ at the last progress check
};

}  // namespace rendezvous::frames

#endif  // ADDON_CORE_CHANNEL_FRAMES_H_
