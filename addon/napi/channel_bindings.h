// Channel's native half: one end of a channel, driven on its JS thread by a
// libuv poll handle, turning frames into messages (and back) with the frame
// codec in core/channel_frames.
#ifndef ADDON_NAPI_CHANNEL_BINDINGS_H_
#define ADDON_NAPI_CHANNEL_BINDINGS_H_

#include <napi.h>

#include <memory>

#include "core/channel_transport.h"
#include "core/deferred_release.h"

namespace rendezvous {

void InitChannelBindings(Napi::Env env, Napi::Object exports);

// `transport`, to be destroyed through this environment's DeferredRelease.
DeferredTransport ReleasedOffThread(
    Napi::Env env,
    std::unique_ptr<ChannelTransport> transport);

// A JS object owning `transport` (for an end that arrived in a message).
Napi::Value NewChannelObject(Napi::Env env, DeferredTransport transport);

// Closes every open end of this environment, without events (teardown).
void CloseAllChannels(Napi::Env env);

}  // namespace rendezvous

#endif  // ADDON_NAPI_CHANNEL_BINDINGS_H_
