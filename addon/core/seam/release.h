// The seam: how this process gives up a handle it owns. OwnedHandle is the
// one caller; everything else holds an OwnedHandle and lets it release.
//
// Thread use: any thread (DeferredRelease calls it on its own).
#ifndef ADDON_CORE_SEAM_RELEASE_H_
#define ADDON_CORE_SEAM_RELEASE_H_

#include <cstdint>

#include "core/right.h"

namespace rendezvous {

// Releases a handle of `kind`: closes a descriptor, drops a Mach right of
// that kind. Ignores a number that names nothing of that kind.
void ReleaseReceivedRight(int64_t handle, RightKind kind);

}  // namespace rendezvous

#endif  // ADDON_CORE_SEAM_RELEASE_H_
