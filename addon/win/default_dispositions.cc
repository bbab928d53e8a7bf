#include "core/default_dispositions.h"

#include "win/handle_right.h"

namespace rendezvous {

// A region (a section) is copied: the child gets its own handle to the same
// memory. A channel end (a pipe handle) is moved. Node's handles are host
// descriptors, copied. Regions and channel ends travel as handles of their
// own kind, never as descriptors, so a descriptor said to be one is a lie.
const DefaultDispositions& BackendDefaultDispositions() {
  static constexpr DefaultDispositions kDefaults{kCopy, kCopy, kMove, false,
                                                 false};
  return kDefaults;
}

}  // namespace rendezvous
