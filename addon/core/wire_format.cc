#include "core/wire_format.h"

#include <cstring>
#include <set>

#include "core/limits.h"

namespace rendezvous::wire {

namespace {

template <typename T>
void Put(std::vector<uint8_t>* out, T value) {
  size_t offset = out->size();
  out->resize(offset + sizeof(T));
  std::memcpy(out->data() + offset, &value, sizeof(T));
}

template <typename T>
T Get(const uint8_t* data, size_t offset) {
  T value;
  std::memcpy(&value, data + offset, sizeof(T));
  return value;
}

}  // namespace

size_t MaxReplySize() {
  return ReplySize(kMaxRightsPerRegistration);
}

std::vector<uint8_t> EncodeRequest() {
  std::vector<uint8_t> out;
  Put<uint32_t>(&out, kRequestMagic);
  Put<uint16_t>(&out, kVersion);
  Put<uint16_t>(&out, 0);
  return out;
}

bool DecodeRequest(const uint8_t* data, size_t size) {
  if (size != kRequestSize)
    return false;
  return Get<uint32_t>(data, 0) == kRequestMagic &&
         Get<uint16_t>(data, 4) == kVersion && Get<uint16_t>(data, 6) == 0;
}

std::vector<uint8_t> EncodeReply(const std::vector<ReplyEntry>& entries) {
  std::vector<uint8_t> out;
  Put<uint32_t>(&out, kReplyMagic);
  Put<uint16_t>(&out, kVersion);
  Put<uint16_t>(&out, 0);
  Put<uint32_t>(&out, static_cast<uint32_t>(entries.size()));
  for (const ReplyEntry& entry : entries) {
    Put<uint32_t>(&out, entry.key);
    Put<uint32_t>(&out, static_cast<uint32_t>(entry.kind));
    Put<uint64_t>(&out, entry.byte_length);
  }
  return out;
}

std::vector<ReplyEntry> EntriesOf(const RightsByKey& rights) {
  std::vector<ReplyEntry> entries;
  for (const auto& [key, right] : rights)
    entries.push_back(ReplyEntry{key, right->kind(), right->byte_length()});
  return entries;
}

bool DecodeReply(const uint8_t* data,
                 size_t size,
                 size_t handle_count,
                 std::vector<ReplyEntry>* entries,
                 std::string* why) {
  if (size < kReplyHeaderSize) {
    *why = "reply shorter than its header";
    return false;
  }
  if (Get<uint32_t>(data, 0) != kReplyMagic ||
      Get<uint16_t>(data, 4) != kVersion || Get<uint16_t>(data, 6) != 0) {
    *why = "reply has a wrong magic or version";
    return false;
  }
  uint32_t count = Get<uint32_t>(data, 8);
  if (count > kMaxRightsPerRegistration) {
    *why = "reply announces more rights than allowed";
    return false;
  }
  if (size != ReplySize(count)) {
    *why = "reply size does not match its key count";
    return false;
  }
  if (handle_count != count) {
    *why = "reply carries " + std::to_string(handle_count) +
           " handles but announces " + std::to_string(count);
    return false;
  }
  std::set<uint32_t> seen;
  entries->clear();
  for (uint32_t i = 0; i < count; ++i) {
    size_t offset = kReplyHeaderSize + i * kReplyEntrySize;
    uint32_t key = Get<uint32_t>(data, offset);
    uint32_t kind = Get<uint32_t>(data, offset + 4);
    uint64_t byte_length = Get<uint64_t>(data, offset + 8);
    if (!seen.insert(key).second) {
      *why = "reply repeats a key";
      return false;
    }
    if (kind > kMaxRightKind) {
      *why = "reply names an unknown kind of right";
      return false;
    }
    if ((byte_length != 0) != (kind == uint32_t(RightKind::kSharedMemory))) {
      *why = "reply gives a byte length to a right that is not shared memory";
      return false;
    }
    entries->push_back(
        ReplyEntry{key, static_cast<RightKind>(kind), byte_length});
  }
  return true;
}

}  // namespace rendezvous::wire
