// The macOS body of a channel message sent out of line: a memory entry of
// its own (see message_body.cc). Its receiving half is MapOutOfLineBody
// (core/channel_transport.h); a body filled again and again is
// mac/pooled_body.h's.
#ifndef ADDON_MAC_MESSAGE_BODY_H_
#define ADDON_MAC_MESSAGE_BODY_H_

#include <mach/mach.h>

#include <cstdint>

#include "core/error.h"
#include "core/owned_handle.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous::mac {

// A new memory entry of at least `size` bytes (1..kMaxSharedMemoryBytes),
// zero-filled, that a receiver can map copy-on-write without a copy where
// the system lets this process make one (see message_body.cc), and its
// first `size` bytes mapped shared and writable here at `*address`, for
// the caller to fill and unmap. `what` names it in errors.
bool CreateMappedBodyEntry(uint64_t size,
                           const char* what,
                           ScopedMachSendRight* entry,
                           mach_vm_address_t* address,
                           Error* error);

// A new body holding a copy of `size` bytes at `data`, with no mapping of
// it left in this process, as `*body` (kSharedMemory: the entry's send
// right).
bool CreateMemoryEntryBody(const uint8_t* data,
                           uint64_t size,
                           OwnedHandle* body,
                           Error* error);

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_MESSAGE_BODY_H_
