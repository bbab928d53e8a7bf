// A macOS body a channel end fills again and again (core/body_pool.h): a
// memory entry made as a fresh body's is (mac/message_body.cc), of a size
// that never changes, mapped shared and writable in the sender for as long
// as the pool keeps it, so its pages stay touched between messages.
#ifndef ADDON_MAC_POOLED_BODY_H_
#define ADDON_MAC_POOLED_BODY_H_

#include <cstdint>
#include <memory>

#include "core/body_pool.h"
#include "core/error.h"

namespace rendezvous::mac {

bool CreatePooledMemoryEntryBody(uint64_t capacity,
                                 std::unique_ptr<PooledBody>* body,
                                 Error* error);

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_POOLED_BODY_H_
