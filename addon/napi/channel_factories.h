// The functions that make channel ends for JS: a new pair, or an end
// adopted from a handle that arrived by rendezvous.
#ifndef ADDON_NAPI_CHANNEL_FACTORIES_H_
#define ADDON_NAPI_CHANNEL_FACTORIES_H_

#include <napi.h>

namespace rendezvous {

// Adds createChannelPair() and adoptChannel() to `exports`; the channel
// class (InitChannelBindings) is defined first.
void InitChannelFactories(Napi::Env env, Napi::Object exports);

}  // namespace rendezvous

#endif  // ADDON_NAPI_CHANNEL_FACTORIES_H_
