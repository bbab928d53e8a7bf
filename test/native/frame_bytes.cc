#include "frame_bytes.h"

#include <algorithm>
#include <cstring>

namespace rendezvous::unit {

namespace {

template <typename T>
void Append(std::vector<uint8_t>* out, T value) {
  uint8_t bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out->insert(out->end(), bytes, bytes + sizeof value);
}

}  // namespace

std::vector<uint8_t> Frame(const RawHeader& header,
                           const std::vector<RawDescriptor>& descriptors,
                           const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  Append(&out, header.magic);
  Append(&out, header.type);
  Append(&out, header.flags);
  Append(&out, header.handle_count);
  Append(&out, header.value);
  for (const RawDescriptor& descriptor : descriptors) {
    Append(&out, descriptor.kind);
    Append(&out, descriptor.reserved);
    Append(&out, descriptor.byte_length);
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> StartFrame(uint64_t total,
                                const std::vector<uint8_t>& data,
                                uint16_t handles,
                                uint8_t flags) {
  RawHeader header;
  header.flags = flags;
  header.handle_count = handles;
  header.value = total;
  return Frame(header, std::vector<RawDescriptor>(handles), data);
}

std::vector<uint8_t> MoreFrame(uint64_t offset,
                               const std::vector<uint8_t>& data) {
  RawHeader header;
  header.type = frames::kMore;
  header.value = offset;
  return Frame(header, {}, data);
}

std::vector<uint8_t> Pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i)
    out[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return out;
}

Fed Feed(frames::MessageAssembler& assembler,
         const std::vector<uint8_t>& frame,
         size_t handle_count,
         frames::AssembledMessage* out) {
  size_t head_size = frame.size();
  size_t tail_size = 0;
  if (assembler.in_message()) {
    head_size = std::min(frame.size(), frames::kHeaderSize);
    tail_size = frame.size() - head_size;
    // As the bindings do: room for this frame's data first, never more
    // than the message still lacks.
    size_t fits = std::min(tail_size, assembler.ReserveNext(tail_size));
    if (fits > 0)
      std::memcpy(assembler.next_data(), frame.data() + head_size, fits);
  }
  Fed fed;
  fed.outcome = assembler.Accept(frame.data(), head_size, tail_size,
                                 handle_count, out, &fed.why);
  return fed;
}

}  // namespace rendezvous::unit
