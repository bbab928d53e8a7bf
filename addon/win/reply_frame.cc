#include "win/reply_frame.h"

#include <cstring>

#include "core/limits.h"

namespace rendezvous {

namespace {

constexpr size_t kPerEntry = wire::kReplyEntrySize + kHandleValueSize;

}  // namespace

size_t MaxReplyFrameSize() {
  return wire::kReplyHeaderSize + kMaxRightsPerRegistration * kPerEntry;
}

std::vector<uint8_t> EncodeReplyFrame(
    const std::vector<wire::ReplyEntry>& entries,
    const std::vector<uint64_t>& values) {
  std::vector<uint8_t> frame = wire::EncodeReply(entries);
  size_t offset = frame.size();
  frame.resize(offset + values.size() * kHandleValueSize);
  for (uint64_t value : values) {
    std::memcpy(frame.data() + offset, &value, kHandleValueSize);
    offset += kHandleValueSize;
  }
  return frame;
}

bool DecodeReplyFrame(const uint8_t* data,
                      size_t size,
                      std::vector<wire::ReplyEntry>* entries,
                      std::vector<uint64_t>* values,
                      std::string* why) {
  values->clear();
  if (size < wire::kReplyHeaderSize ||
      (size - wire::kReplyHeaderSize) % kPerEntry != 0) {
    *why = "reply size fits no number of rights";
    return false;
  }
  size_t count = (size - wire::kReplyHeaderSize) / kPerEntry;
  if (count > kMaxRightsPerRegistration) {
    *why = "reply carries more rights than allowed";
    return false;
  }
  size_t reply_size = wire::ReplySize(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t value;
    std::memcpy(&value, data + reply_size + i * kHandleValueSize,
                kHandleValueSize);
    values->push_back(value);
  }
  return wire::DecodeReply(data, reply_size, count, entries, why);
}

}  // namespace rendezvous
