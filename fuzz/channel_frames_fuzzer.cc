// Fuzzes the reassembly of channel frames exactly as the bindings drive it
// (addon/napi/channel_bindings.cc, ReadFrames): the input is a sequence of
// frames, each a u8 handle count, a u16 length and that many bytes. Between
// messages a frame is read whole into the head buffer; within one, its first
// 16 bytes go to the head and the rest lands in place in the message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/channel_frames.h"

namespace frames = rendezvous::frames;

namespace {

// Small enough that large messages are reachable from short inputs.
constexpr uint64_t kMaxMessageBytes = 1 << 20;
constexpr size_t kHeadCapacity = 128 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  frames::MessageAssembler assembler(kMaxMessageBytes, kMaxMessageBytes / 2);
  std::vector<uint8_t> head(kHeadCapacity);
  size_t at = 0;
  while (at + 3 <= size) {
    size_t handle_count = data[at];
    size_t length = data[at + 1] | (size_t{data[at + 2]} << 8);
    at += 3;
    length = std::min(length, size - at);
    const uint8_t* frame = data + at;
    at += length;

    bool continuing = assembler.in_message();
    size_t head_size = continuing ? std::min(length, frames::kHeaderSize)
                                  : std::min(length, kHeadCapacity);
    size_t tail_size = length - head_size;
    // The bindings reserve room for one frame's data before each read; a
    // frame with more is reported truncated by the transport: an error.
    size_t room = continuing ? assembler.ReserveNext(kHeadCapacity) : 0;
    if (continuing && (room == 0 || tail_size > room))
      return 0;
    std::memcpy(head.data(), frame, head_size);
    if (tail_size > 0)
      std::memcpy(assembler.next_data(), frame + head_size, tail_size);

    frames::AssembledMessage message;
    std::string why;
    switch (assembler.Accept(head.data(), head_size, tail_size, handle_count,
                             &message, &why)) {
      case frames::Outcome::kMalformed:
        if (why.empty())
          std::abort();
        return 0;  // the channel closes here
      case frames::Outcome::kComplete: {
        // An out-of-line message's data is its body, not in the frames.
        bool out_of_line = (message.flags & frames::kFlagOutOfLine) != 0;
        if (message.size > kMaxMessageBytes ||
            message.handles.size() > frames::kMaxHandlesPerMessage ||
            (message.size > 0 && !out_of_line && !message.data) ||
            (out_of_line && message.data)) {
          std::abort();
        }
        // Touch every byte: a wrong size would be an overflow under ASan.
        if (message.size > 0 && !out_of_line) {
          volatile uint8_t sum = 0;
          for (uint64_t i = 0; i < message.size; ++i)
            sum = sum + message.data[i];
        }
        break;
      }
      case frames::Outcome::kBodyReleased:
        // A control frame between messages, never inside one.
        if (assembler.in_message())
          std::abort();
        break;
      case frames::Outcome::kIncomplete:
        break;
    }
  }
  return 0;
}
