// The Mach messages of a channel (core/channel_transport.h).
//
// A channel end is one receive right, its inbox; the other end holds a send
// right to it. An end has to travel as that one right (under one key of a
// rendezvous reply, or in a channel message), so the address of its peer
// rides in the inbox's own queue:
//
//   hello: header (MAKE_SEND_ONCE to the inbox itself, COMPLEX) | body |
//          1 port descriptor: a send right to the peer's inbox
//     CreateChannelPair puts one in each new inbox. An end reads its hello
//     before its first send. An end given away after that puts a new hello
//     back (moving the peer's right into it) first, so the next owner finds
//     its peer the same way. A send-once destination is used because such
//     messages are queued even when the queue is at its limit.
//
//   frame: header (COPY_SEND to the peer's inbox, COMPLEX) | body |
//          N port descriptors (the handles) | 0 to 2 OOL descriptors |
//          FrameInfo | N HandleRecords | inline bytes | padding to 4
//     The frame's bytes are the inline bytes followed by each out-of-line
//     region in turn. A frame of up to kInlineLimit bytes is all inline; a
//     larger one keeps its head inline (when it is small) and sends the rest
//     out of line. The records say what each port is: a fileport, a memory
//     entry and a plain send right all arrive as MACH_MSG_TYPE_PORT_SEND.
//     The frame's bytes themselves are the caller's and opaque here. A
//     message sent out of line (core/channel_sender.h) is one small frame
//     whose last port is its body, a memory entry (record kSharedMemory):
//     its data never travels in out-of-line regions.
//
//   MACH_NOTIFY_NO_SENDERS, from the kernel, requested on every inbox and
//     sent to the inbox itself: the peer's end is gone (its send right to
//     this inbox went with it, whether closed, given up unread, or its
//     process died). MACH_NOTIFY_SEND_ONCE (a send-once right to the inbox
//     was destroyed unused) means nothing and is skipped.
#ifndef ADDON_MAC_CHANNEL_MESSAGES_H_
#define ADDON_MAC_CHANNEL_MESSAGES_H_

#include <mach/mach.h>

#include <cstddef>
#include <cstdint>

#include "core/channel_frames.h"

namespace rendezvous::mac {

// "EPRh" / "EPRf": distinct from the rendezvous messages and from Mach's.
inline constexpr mach_msg_id_t kHelloId = 0x45505268;
inline constexpr mach_msg_id_t kFrameId = 0x45505266;

struct HelloMessage {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t peer;
};

// Both follow the descriptors, so they are read and written with memcpy
// (port descriptors are 12 bytes: nothing after them is 8-byte aligned).
struct FrameInfo {
  uint32_t handle_count;  // the port descriptors, one HandleRecord each
  uint32_t inline_size;   // frame bytes carried in the body
  uint64_t frame_size;    // inline_size plus every out-of-line region
};
struct HandleRecord {
  uint32_t kind;  // RightKind, as the sender's OwnedHandle said
  uint32_t reserved;
  uint64_t byte_length;  // kSharedMemory only
};
static_assert(sizeof(FrameInfo) == 16 && sizeof(HandleRecord) == 16);
static_assert(sizeof(mach_msg_port_descriptor_t) == 12 &&
                  sizeof(mach_msg_ool_descriptor_t) == 16,
              "64-bit descriptor layout expected");

// Handles one frame may carry: a message's own, and its out-of-line body,
// which travels as one more (the frame format's per-frame limit).
inline constexpr size_t kMaxFrameHandles = frames::kMaxHandlesPerFrame;
// Out-of-line regions in one frame: the head (when large) and the tail.
inline constexpr size_t kMaxOutOfLine = 2;
// Frames up to this size travel inline: one copy in, one copy out. Past it
// an out-of-line region costs less than copying through the message.
inline constexpr size_t kInlineLimit = 16 * 1024;
// The largest frame sent. Large enough that a big message is few frames,
// small enough that a receiver's frame buffer (one per channel end) and a
// full queue stay modest: the queue holds kQueueLimit frames.
inline constexpr size_t kMaxFrameSize = 256 * 1024;
// Messages an inbox queues before its peer's sends would wait (the peer
// then sees kWouldBlock and retries).
inline constexpr mach_port_msgcount_t kQueueLimit = MACH_PORT_QLIMIT_LARGE;

inline constexpr size_t RoundUp4(size_t size) {
  return (size + 3) & ~size_t{3};
}
inline constexpr size_t FrameInfoOffset(size_t ports, size_t out_of_line) {
  return sizeof(mach_msg_base_t) + ports * sizeof(mach_msg_port_descriptor_t) +
         out_of_line * sizeof(mach_msg_ool_descriptor_t);
}
inline constexpr size_t FrameMessageSize(size_t ports,
                                         size_t out_of_line,
                                         size_t inline_size) {
  return RoundUp4(FrameInfoOffset(ports, out_of_line) + sizeof(FrameInfo) +
                  ports * sizeof(HandleRecord) + inline_size);
}

// The largest message a well-behaved peer sends, and what a receive needs
// for it, with room for the largest trailer the kernel may append.
inline constexpr size_t kMaxFrameMessageSize =
    FrameMessageSize(kMaxFrameHandles, kMaxOutOfLine, kInlineLimit);
inline constexpr size_t kReceiveBufferSize =
    kMaxFrameMessageSize + sizeof(mach_msg_max_trailer_t);

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_CHANNEL_MESSAGES_H_
