// Fuzzes the child's parse of a rendezvous reply: the bytes of a server it
// does not trust, and how many handles arrived beside them (the first input
// byte). An accepted reply must be consistent with what it claims.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "core/limits.h"
#include "core/wire_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  size_t handle_count = data[0];
  std::vector<rendezvous::wire::ReplyEntry> entries;
  std::string why;
  if (!rendezvous::wire::DecodeReply(data + 1, size - 1, handle_count,
                                     &entries, &why)) {
    if (why.empty())
      std::abort();  // a refusal always says why
    return 0;
  }
  if (entries.size() != handle_count ||
      entries.size() > rendezvous::kMaxRightsPerRegistration ||
      size - 1 != rendezvous::wire::ReplySize(entries.size())) {
    std::abort();
  }
  std::set<uint32_t> keys;
  for (const auto& entry : entries) {
    if (!keys.insert(entry.key).second ||
        static_cast<uint32_t>(entry.kind) > rendezvous::kMaxRightKind) {
      std::abort();
    }
  }
  // What was accepted encodes back to the same bytes.
  if (rendezvous::wire::EncodeReply(entries) !=
      std::vector<uint8_t>(data + 1, data + size)) {
    std::abort();
  }
  return 0;
}
