#include "core/right_specs.h"

#include <set>
#include <string>

#include "core/limits.h"
#include "core/shared_memory.h"

namespace rendezvous {

Error TooManyRights(size_t count) {
  return Error::Range(codes::kTooManyRights,
                      "At most " + std::to_string(kMaxRightsPerRegistration) +
                          " rights can be registered for one process, not " +
                          std::to_string(count));
}

std::optional<Error> CheckRightSpecs(const std::vector<RightSpec>& specs) {
  if (specs.size() > kMaxRightsPerRegistration)
    return TooManyRights(specs.size());
  // Keys in ascending order (as the TypeScript layer sends an object's)
  // are distinct without a set to find them in.
  bool ascending = true;
  for (size_t i = 1; i < specs.size() && ascending; ++i)
    ascending = specs[i - 1].key < specs[i].key;
  std::set<uint32_t> keys;
  for (const RightSpec& spec : specs) {
    if (!ascending && !keys.insert(spec.key).second) {
      return Error::Type(codes::kInvalidKey,
                         "Key " + std::to_string(spec.key) + " is used twice");
    }
    bool is_memory = spec.payload == RightKind::kSharedMemory;
    if (spec.payload != RightKind::kFd && !is_memory &&
        spec.payload != RightKind::kChannel &&
        spec.payload != RightKind::kHandle) {
      return Error::Type(codes::kInvalidRight, "The right for key " +
                                                   std::to_string(spec.key) +
                                                   " names an unknown payload");
    }
    if (is_memory
            ? spec.byte_length == 0 || spec.byte_length > kMaxSharedMemoryBytes
            : spec.byte_length != 0) {
      return Error::Range(codes::kInvalidRight,
                          "The right for key " + std::to_string(spec.key) +
                              " has an invalid byte length");
    }
  }
  return std::nullopt;
}

}  // namespace rendezvous
