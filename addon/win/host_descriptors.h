// C runtime descriptors of the host executable (node.exe, Electron).
//
// A descriptor number Node hands out belongs to the host's C runtime, which
// is not this addon's (the addon may be linked against another one): its
// number means nothing to the addon's own _get_osfhandle. So every
// conversion goes through the host's libuv, which uses the host's runtime.
//
// Thread use: any thread (the calls are synchronous and touch no loop).
#ifndef ADDON_WIN_HOST_DESCRIPTORS_H_
#define ADDON_WIN_HOST_DESCRIPTORS_H_

#include <windows.h>

#include <cstdint>

namespace rendezvous {

// The OS handle behind the host descriptor `fd`, still owned by the
// descriptor; INVALID_HANDLE_VALUE if `fd` names no open descriptor.
HANDLE HostOsHandleOf(int64_t fd);

// A new host descriptor that owns `handle` from now on; -1 on failure (the
// handle is then still the caller's).
int64_t HostDescriptorFor(HANDLE handle);

// Closes the host descriptor `fd` and the handle it owns.
void CloseHostDescriptor(int64_t fd);

}  // namespace rendezvous

#endif  // ADDON_WIN_HOST_DESCRIPTORS_H_
