// Checks on a registration that do not depend on the platform.
#ifndef ADDON_CORE_RIGHT_SPECS_H_
#define ADDON_CORE_RIGHT_SPECS_H_

#include <optional>
#include <vector>

#include "core/error.h"
#include "core/seam/handles.h"

namespace rendezvous {

// At most kMaxRightsPerRegistration rights, each key used once.
std::optional<Error> CheckRightSpecs(const std::vector<RightSpec>& specs);

}  // namespace rendezvous

#endif  // ADDON_CORE_RIGHT_SPECS_H_
