// Owners of Mach port rights: one type per kind of right, each the generic
// owner with the call that releases it. The only place in the addon that
// releases a right.
#ifndef ADDON_MAC_SCOPED_MACH_PORT_H_
#define ADDON_MAC_SCOPED_MACH_PORT_H_

#include <mach/mach.h>

#include "core/debug_log.h"
#include "core/scoped_generic.h"

namespace rendezvous {

// A failed release means the name did not hold that right any more: it was
// released twice, or is of another kind than its owner says.
inline void LogFailedRelease(const char* call,
                             mach_port_t name,
                             kern_return_t kr) {
  ProcessDebugLog()("%s(0x%x) failed: %s (%d)", call, name,
                    mach_error_string(kr), kr);
}

struct MachRightTraits {
  static mach_port_t InvalidValue() { return MACH_PORT_NULL; }
  // MACH_PORT_DEAD (a right that died in transit) names nothing to release.
  static bool IsValid(mach_port_t name) { return MACH_PORT_VALID(name); }
};

struct SendRightTraits : MachRightTraits {
  // Drops one user reference of a send or send-once right.
  static void Free(mach_port_t name) {
    kern_return_t kr = mach_port_deallocate(mach_task_self(), name);
    if (kr != KERN_SUCCESS)
      LogFailedRelease("mach_port_deallocate", name, kr);
  }
};

struct ReceiveRightTraits : MachRightTraits {
  // Destroys the receive right (and with it the port).
  static void Free(mach_port_t name) {
    kern_return_t kr =
        mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
    if (kr != KERN_SUCCESS)
      LogFailedRelease("mach_port_mod_refs", name, kr);
  }
};

using ScopedMachSendRight = ScopedGeneric<mach_port_t, SendRightTraits>;
// A send-once right is released the same way as a send right, but it is a
// different right: the type keeps them apart.
struct SendOnceRightTraits : SendRightTraits {};
using ScopedMachSendOnceRight = ScopedGeneric<mach_port_t, SendOnceRightTraits>;
using ScopedMachReceiveRight = ScopedGeneric<mach_port_t, ReceiveRightTraits>;

}  // namespace rendezvous

#endif  // ADDON_MAC_SCOPED_MACH_PORT_H_
