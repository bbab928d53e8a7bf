// A received channel message as JS sees it: its bytes as an ArrayBuffer and
// its payloads as objects (NativeSharedMemory, NativeChannel, or
// {kind, handle} for a raw handle).
#ifndef ADDON_NAPI_RECEIVED_MESSAGE_JS_H_
#define ADDON_NAPI_RECEIVED_MESSAGE_JS_H_

#include <napi.h>

#include <vector>

#include "core/channel_frames.h"
#include "napi/received_payloads.h"

namespace rendezvous {

// The message's bytes: for a large message the assembled buffer itself
// where external buffers are allowed, else a copy inside V8's heap (for a
// small one the copy is cheaper than an external buffer's bookkeeping).
// Empty when there is no memory for it.
Napi::Value MessageBuffer(Napi::Env env, frames::AssembledMessage* message);

// An array of the payloads' objects, which own them from then on (JS owns
// the raw handles). Empty, with an exception pending, if one could not be
// made: then what was not yet given to an object stays in `payloads`.
Napi::Value PayloadsToJs(Napi::Env env, std::vector<ReceivedPayload>* payloads);

}  // namespace rendezvous

#endif  // ADDON_NAPI_RECEIVED_MESSAGE_JS_H_
