// Turns a failed POSIX call (errno) into the addon's Error.
#ifndef ADDON_POSIX_SYSTEM_ERROR_H_
#define ADDON_POSIX_SYSTEM_ERROR_H_

#include <cstring>
#include <string>

#include "core/error.h"

namespace rendezvous {

inline Error SystemError(const char* syscall,
                         int os_error,
                         const std::string& what,
                         const char* code = codes::kSystem) {
  return Error::System(
      code, what + ": " + syscall + " failed: " + std::strerror(os_error),
      syscall, os_error);
}

}  // namespace rendezvous

#endif  // ADDON_POSIX_SYSTEM_ERROR_H_
