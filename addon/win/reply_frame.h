// The rendezvous reply on Windows: the shared reply (core/wire_format.h),
// then one u64 per entry, in the same order, where Linux passes
// descriptors beside the bytes: the value of the handle the server
// duplicated into the child for that entry.
//
//   reply | values[count]
//
// A value is only what the server claims: the child checks each one before
// it treats it as a handle of its own.
#ifndef ADDON_WIN_REPLY_FRAME_H_
#define ADDON_WIN_REPLY_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/wire_format.h"

namespace rendezvous {

inline constexpr size_t kHandleValueSize = 8;

// Largest reply frame a client must be ready to read.
size_t MaxReplyFrameSize();

std::vector<uint8_t> EncodeReplyFrame(
    const std::vector<wire::ReplyEntry>& entries,
    const std::vector<uint64_t>& values);

// Splits and checks a frame; on failure says why in `why`. `values` may be
// filled even on failure (a frame whose size and count agree, but whose
// entries are bad), so the caller can close what it was given.
bool DecodeReplyFrame(const uint8_t* data,
                      size_t size,
                      std::vector<wire::ReplyEntry>* entries,
                      std::vector<uint64_t>* values,
                      std::string* why);

}  // namespace rendezvous

#endif  // ADDON_WIN_REPLY_FRAME_H_
