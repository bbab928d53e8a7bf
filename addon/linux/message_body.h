// The Linux body of a channel message sent out of line: a sealed memfd
// (see message_body.cc). Its receiving half is MapOutOfLineBody
// (core/channel_transport.h).
#ifndef ADDON_LINUX_MESSAGE_BODY_H_
#define ADDON_LINUX_MESSAGE_BODY_H_

#include <cstdint>

#include "core/error.h"
#include "core/owned_handle.h"

namespace rendezvous {

// A new memfd holding a copy of `size` bytes at `data`, written with
// pwrite() and sealed F_SEAL_SHRINK|GROW|WRITE|SEAL, as `*body` (kFd).
bool CreateMemfdBody(const uint8_t* data,
                     uint64_t size,
                     OwnedHandle* body,
                     Error* error);

}  // namespace rendezvous

#endif  // ADDON_LINUX_MESSAGE_BODY_H_
