// Turns a failed Mach call into the addon's Error.
#ifndef ADDON_MAC_MACH_ERROR_H_
#define ADDON_MAC_MACH_ERROR_H_

#include <mach/mach.h>

#include <string>

#include "core/error.h"

namespace rendezvous {

inline Error MachError(const char* call,
                       kern_return_t kr,
                       const std::string& what,
                       const char* code = codes::kSystem) {
  return Error::System(code,
                       what + ": " + call +
                           " failed: " + mach_error_string(kr) + " (" +
                           std::to_string(kr) + ")",
                       call, kr);
}

}  // namespace rendezvous

#endif  // ADDON_MAC_MACH_ERROR_H_
