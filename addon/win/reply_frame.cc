#include "win/reply_frame.h"

#include <cstring>
#include <utility>

#include "core/limits.h"
#include "win/socket_rights.h"

namespace rendezvous {

namespace {

constexpr size_t kPerEntry = wire::kReplyEntrySize + kHandleValueSize;

// The `count` slots after a reply of `count` entries; how many are sockets.
size_t ReadSlots(const uint8_t* data,
                 size_t count,
                 std::vector<ReplySlot>* slots) {
  size_t reply_size = wire::ReplySize(count);
  size_t sockets = 0;
  for (size_t i = 0; i < count; ++i) {
    ReplySlot slot;
    std::memcpy(&slot.value, data + reply_size + i * kHandleValueSize,
                kHandleValueSize);
    sockets += slot.value == kSocketSlot;
    slots->push_back(std::move(slot));
  }
  return sockets;
}

}  // namespace

size_t MaxReplyFrameSize() {
  return wire::kReplyHeaderSize +
         kMaxRightsPerRegistration * (kPerEntry + kProtocolInfoSize);
}

std::vector<uint8_t> EncodeReplyFrame(
    const std::vector<wire::ReplyEntry>& entries,
    const std::vector<ReplySlot>& slots) {
  std::vector<uint8_t> frame = wire::EncodeReply(entries);
  size_t offset = frame.size();
  frame.resize(offset + slots.size() * kHandleValueSize);
  for (const ReplySlot& slot : slots) {
    std::memcpy(frame.data() + offset, &slot.value, kHandleValueSize);
    offset += kHandleValueSize;
  }
  for (const ReplySlot& slot : slots) {
    if (slot.value == kSocketSlot)
      frame.insert(frame.end(), slot.protocol_info.begin(),
                   slot.protocol_info.end());
  }
  return frame;
}

bool DecodeReplyFrame(const uint8_t* data,
                      size_t size,
                      std::vector<wire::ReplyEntry>* entries,
                      std::vector<ReplySlot>* slots,
                      std::string* why) {
  slots->clear();
  if (size < wire::kReplyHeaderSize) {
    *why = "reply size fits no number of rights";
    return false;
  }
  // The count is checked again by DecodeReply; here it only bounds what
  // is read, so the slots are read only if the frame holds them all.
  uint32_t count;
  std::memcpy(&count, data + 8, sizeof(count));
  if (count > kMaxRightsPerRegistration) {
    *why = "reply carries more rights than allowed";
    return false;
  }
  size_t reply_size = wire::ReplySize(count);
  size_t slots_end = reply_size + count * kHandleValueSize;
  if (size < slots_end) {
    // A count the frame does not hold: the handle values it does hold, as
    // many as its size says if it had no sockets, are read so that what
    // they name can be closed.
    size_t held = (size - wire::kReplyHeaderSize) / kPerEntry;
    if ((size - wire::kReplyHeaderSize) % kPerEntry == 0 &&
        held <= kMaxRightsPerRegistration)
      ReadSlots(data, held, slots);
    *why = "reply size fits no number of rights";
    return false;
  }
  size_t sockets = ReadSlots(data, count, slots);
  if (size != slots_end + sockets * kProtocolInfoSize) {
    *why = "reply size does not match its sockets' protocol information";
    return false;
  }
  const uint8_t* info = data + slots_end;
  for (ReplySlot& slot : *slots) {
    if (slot.value != kSocketSlot)
      continue;
    slot.protocol_info.assign(info, info + kProtocolInfoSize);
    info += kProtocolInfoSize;
  }
  return wire::DecodeReply(data, reply_size, count, entries, why);
}

}  // namespace rendezvous
