// The process facts of core/seam/process.h, for every POSIX backend.
#include <unistd.h>

#include "core/seam/process.h"

namespace rendezvous {

int64_t CurrentProcessId() {
  return ::getpid();
}

}  // namespace rendezvous
