// A Linux body a channel end fills again and again (core/body_pool.h): a
// memfd of a fixed size, sealed F_SEAL_SHRINK|GROW|SEAL (its size can
// never change, so a mapping of it can never fault; writes stay allowed,
// since the sender writes the next message into it), mapped shared and
// writable in the sender. Its pages stay touched between messages.
#ifndef ADDON_LINUX_POOLED_BODY_H_
#define ADDON_LINUX_POOLED_BODY_H_

#include <cstdint>
#include <memory>

#include "core/body_pool.h"
#include "core/error.h"

namespace rendezvous {

bool CreatePooledMemfdBody(uint64_t capacity,
                           std::unique_ptr<PooledBody>* body,
                           Error* error);

}  // namespace rendezvous

#endif  // ADDON_LINUX_POOLED_BODY_H_
