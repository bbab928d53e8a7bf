// A channel end handed to a rendezvous registration as its NativeChannel
// object: the registration takes the end out of the object only once it is
// accepted, and puts it back into the same object if it is undone.
#ifndef ADDON_NAPI_CHANNEL_HANDOFF_H_
#define ADDON_NAPI_CHANNEL_HANDOFF_H_

#include <napi.h>

#include <cstdint>

#include "core/deferred_release.h"
#include "core/outgoing_handles.h"

namespace rendezvous {

// The end `object` is and the handle it owns while open; false if `object`
// is not a NativeChannel.
bool ChannelEndOf(Napi::Env env,
                  const Napi::Object& object,
                  TransferableEnd** end,
                  int64_t* handle);

// Gives `transport` (whose handle is `handle`, which the end of `object`
// gave up) back to it: the object owns it again, open and not reading yet.
// False, the transport then released, if `object` is no closed NativeChannel.
bool GiveChannelEndBack(Napi::Env env,
                        const Napi::Object& object,
                        DeferredTransport transport,
                        int64_t handle);

}  // namespace rendezvous

#endif  // ADDON_NAPI_CHANNEL_HANDOFF_H_
