#include "core/default_dispositions.h"

#include "posix/fd_spec.h"

namespace rendezvous {

// A region is a memory entry's send right, copied; a channel end is its
// receive right, moved. Node's handles are descriptors, as on Linux.
const DefaultDispositions& BackendDefaultDispositions() {
  static constexpr DefaultDispositions kDefaults{kFdCopy, "copy-send",
                                                 "move-receive", true, false};
  return kDefaults;
}

}  // namespace rendezvous
