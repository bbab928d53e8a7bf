#include "core/right_specs.h"

#include <set>
#include <string>

#include "core/limits.h"

namespace rendezvous {

std::optional<Error> CheckRightSpecs(const std::vector<RightSpec>& specs) {
  if (specs.size() > kMaxRightsPerRegistration) {
    return Error::Range(codes::kTooManyRights,
                        "At most " + std::to_string(kMaxRightsPerRegistration) +
                            " rights can be registered for one process, not " +
                            std::to_string(specs.size()));
  }
  std::set<uint32_t> keys;
  for (const RightSpec& spec : specs) {
    if (!keys.insert(spec.key).second) {
      return Error::Type(codes::kInvalidKey,
                         "Key " + std::to_string(spec.key) + " is used twice");
    }
  }
  return std::nullopt;
}

}  // namespace rendezvous
