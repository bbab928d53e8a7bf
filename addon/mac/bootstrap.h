// The few launchd bootstrap calls the backend uses. Their header
// (servers/bootstrap.h) is not part of every SDK the addon is built with; the
// functions themselves are exported by libSystem.
#ifndef ADDON_MAC_BOOTSTRAP_H_
#define ADDON_MAC_BOOTSTRAP_H_

#include <mach/mach.h>

extern "C" {
// Checks in a service the caller may provide; returns its receive right.
kern_return_t bootstrap_check_in(mach_port_t bootstrap,
                                 const char* service_name,
                                 mach_port_t* service_port);
// Looks a service up; returns a send right to it.
kern_return_t bootstrap_look_up(mach_port_t bootstrap,
                                const char* service_name,
                                mach_port_t* service_port);
}

namespace rendezvous {

// launchd's answer when nobody has checked the name in.
inline constexpr kern_return_t kBootstrapUnknownService = 1102;
// Bootstrap names are at most this long, with their terminator (name_t).
inline constexpr size_t kBootstrapNameCapacity = 128;

}  // namespace rendezvous

#endif  // ADDON_MAC_BOOTSTRAP_H_
