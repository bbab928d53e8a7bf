// The rendezvous reply on Windows: the shared reply (core/wire_format.h),
// then one u64 slot per entry, in the same order, where Linux passes
// descriptors beside the bytes, then one WSAPROTOCOL_INFOW for each slot
// that holds kSocketSlot, in the same order again:
//
//   reply | slots[count] | protocol_infos[sockets]
//
// A slot is the value of the handle the server duplicated into the child
// for that entry, or kSocketSlot for a socket, which the server exported
// for the child with WSADuplicateSocketW (a socket must not travel by
// DuplicateHandle). Everything here is only what the server claims: the
// child checks each value and each protocol information before it treats
// either as its own.
#ifndef ADDON_WIN_REPLY_FRAME_H_
#define ADDON_WIN_REPLY_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/wire_format.h"

namespace rendezvous {

inline constexpr size_t kHandleValueSize = 8;
// No handle value is this: handle values are small multiples of four.
inline constexpr uint64_t kSocketSlot = UINT64_MAX;

// One entry's part of the frame beyond the shared reply: a handle value,
// or kSocketSlot and the socket's protocol information.
struct ReplySlot {
  uint64_t value = 0;
  std::vector<uint8_t> protocol_info;  // for a socket only
};

// Largest reply frame a client must be ready to read.
size_t MaxReplyFrameSize();

std::vector<uint8_t> EncodeReplyFrame(
    const std::vector<wire::ReplyEntry>& entries,
    const std::vector<ReplySlot>& slots);

// Splits and checks a frame's layout (not what a socket's protocol
// information says); on failure says why in `why`. `slots` may be filled
// even on failure (a frame whose size and count agree, but whose entries
// are bad), so the caller can close what it was given.
bool DecodeReplyFrame(const uint8_t* data,
                      size_t size,
                      std::vector<wire::ReplyEntry>* entries,
                      std::vector<ReplySlot>* slots,
                      std::string* why);

}  // namespace rendezvous

#endif  // ADDON_WIN_REPLY_FRAME_H_
