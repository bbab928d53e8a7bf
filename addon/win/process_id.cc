// The process facts of core/seam/process.h.
#include <windows.h>

#include "core/seam/process.h"

namespace rendezvous {

int64_t CurrentProcessId() {
  return ::GetCurrentProcessId();
}

}  // namespace rendezvous
