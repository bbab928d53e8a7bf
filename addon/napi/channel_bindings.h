// Channel's native half as JS sees it: one end of a channel, whose I/O a
// ChannelDriver (napi/channel_driver.h) does on the JS thread's loop.
#ifndef ADDON_NAPI_CHANNEL_BINDINGS_H_
#define ADDON_NAPI_CHANNEL_BINDINGS_H_

#include <napi.h>

#include <cstdint>
#include <memory>

#include "core/channel_transport.h"
#include "core/deferred_release.h"

namespace rendezvous {

void InitChannelBindings(Napi::Env env, Napi::Object exports);

// `transport`, to be destroyed through this environment's DeferredRelease.
DeferredTransport ReleasedOffThread(
    Napi::Env env,
    std::unique_ptr<ChannelTransport> transport);

// A JS object owning `transport` (for an end that arrived in a message),
// whose handle is `endpoint`.
Napi::Value NewChannelObject(Napi::Env env,
                             DeferredTransport transport,
                             int64_t endpoint);

// Closes every open end of this environment, without events (teardown).
void CloseAllChannels(Napi::Env env);

// Whether an open end of this environment owns `handle` already.
bool OwnedByOpenEnd(Napi::Env env, int64_t handle);

}  // namespace rendezvous

#endif  // ADDON_NAPI_CHANNEL_BINDINGS_H_
