// The bytes of a rendezvous request and reply, shared by every transport.
//
// Both ends run on one machine, so integers are in host order. The handles
// themselves travel beside these bytes (SCM_RIGHTS, Mach port descriptors);
// a reply's keys are in the same order as its handles.
//
//   request: magic "EPR?" | version u16 | reserved u16            (8 bytes)
//   reply:   magic "EPR!" | version u16 | reserved u16 | count u32 |
//            entries[count]
//   entry:   key u32 | kind u32 | byte_length u64                (16 bytes)
//
// byte_length is a shared memory region's size (macOS cannot ask a memory
// entry for it); it is 0 for every other kind.
//
// Everything here is pure and bounds-checked: it parses untrusted bytes.
#ifndef ADDON_CORE_WIRE_FORMAT_H_
#define ADDON_CORE_WIRE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/right.h"

namespace rendezvous::wire {

inline constexpr uint32_t kRequestMagic = 0x3f525045;  // "EPR?"
inline constexpr uint32_t kReplyMagic = 0x21525045;    // "EPR!"
inline constexpr uint16_t kVersion = 2;
inline constexpr size_t kRequestSize = 8;
inline constexpr size_t kReplyHeaderSize = 12;
inline constexpr size_t kReplyEntrySize = 16;
inline constexpr size_t ReplySize(size_t entry_count) {
  return kReplyHeaderSize + entry_count * kReplyEntrySize;
}

struct ReplyEntry {
  uint32_t key;
  RightKind kind;
  uint64_t byte_length;
};
// Largest reply a client must be ready to read.
size_t MaxReplySize();

std::vector<uint8_t> EncodeRequest();
// True only for a well-formed request of exactly the right size.
bool DecodeRequest(const uint8_t* data, size_t size);

std::vector<uint8_t> EncodeReply(const std::vector<ReplyEntry>& entries);
// The entries of a reply carrying `rights`, in their (key) order.
std::vector<ReplyEntry> EntriesOf(const RightsByKey& rights);

// Checks a reply against the number of handles that arrived with it. On
// failure returns false and says why in `why`.
bool DecodeReply(const uint8_t* data,
                 size_t size,
                 size_t handle_count,
                 std::vector<ReplyEntry>* entries,
                 std::string* why);

}  // namespace rendezvous::wire

#endif  // ADDON_CORE_WIRE_FORMAT_H_
