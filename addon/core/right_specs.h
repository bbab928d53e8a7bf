// Checks on a registration that do not depend on the platform.
#ifndef ADDON_CORE_RIGHT_SPECS_H_
#define ADDON_CORE_RIGHT_SPECS_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "core/error.h"
#include "core/seam/handles.h"

namespace rendezvous {

// The one refusal of a registration with `count` rights, more than
// kMaxRightsPerRegistration: the TypeScript layer throws it too.
Error TooManyRights(size_t count);

// At most kMaxRightsPerRegistration rights, each key used once.
std::optional<Error> CheckRightSpecs(const std::vector<RightSpec>& specs);

}  // namespace rendezvous

#endif  // ADDON_CORE_RIGHT_SPECS_H_
