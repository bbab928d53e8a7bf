#include "core/default_dispositions.h"

#include "posix/fd_spec.h"

namespace rendezvous {

// Every handle is a descriptor: regions are memfds, channel ends sockets.
const DefaultDispositions& BackendDefaultDispositions() {
  static constexpr DefaultDispositions kDefaults{kFdCopy, kFdCopy, kFdMove,
                                                 false, true};
  return kDefaults;
}

}  // namespace rendezvous
