// Channel frames written byte by byte as channel_frames.h lays them out
// (independently of its encoder, so malformed ones can be made too), and a
// MessageAssembler fed the way the channel bindings read frames.
#ifndef TEST_NATIVE_FRAME_BYTES_H_
#define TEST_NATIVE_FRAME_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/channel_frames.h"

namespace rendezvous::unit {

struct RawHeader {
  uint32_t magic = frames::kMagic;
  uint8_t type = frames::kStart;
  uint8_t flags = 0;
  uint16_t handle_count = 0;
  uint64_t value = 0;  // start: the message's length; more: the offset
};

struct RawDescriptor {
  uint32_t kind = 0;
  uint32_t reserved = 0;
  uint64_t byte_length = 0;
};

std::vector<uint8_t> Frame(const RawHeader& header,
                           const std::vector<RawDescriptor>& descriptors,
                           const std::vector<uint8_t>& data);
// A well-formed start frame of a `total`-byte message carrying `data` inline
// and `handles` fd descriptors.
std::vector<uint8_t> StartFrame(uint64_t total,
                                const std::vector<uint8_t>& data,
                                uint16_t handles = 0,
                                uint8_t flags = 0);
std::vector<uint8_t> MoreFrame(uint64_t offset,
                               const std::vector<uint8_t>& data);
// `size` bytes that differ from their neighbours, so a misplaced chunk
// shows.
std::vector<uint8_t> Pattern(size_t size, uint8_t seed = 0);

struct Fed {
  frames::Outcome outcome = frames::Outcome::kMalformed;
  std::string why;
};

// As addon/napi/channel_bindings.cc's ReadFrames: between messages the whole
// frame is the head; within one, the 16-byte header is the head and the data
// lands at next_data() (as much of it as fits; the rest only counts, as a
// transport reports a frame larger than its buffers).
Fed Feed(frames::MessageAssembler& assembler,
         const std::vector<uint8_t>& frame,
         size_t handle_count,
         frames::AssembledMessage* out);

}  // namespace rendezvous::unit

#endif  // TEST_NATIVE_FRAME_BYTES_H_
