// postMessage's list of handles, read from JS into core OutgoingHandles:
// channel ends (NativeChannel objects) are handed over, shared memory
// regions (NativeSharedMemory objects) copied, and plain handles
// ({handle, kind, byteLength, move}) copied or moved as they say.
#ifndef ADDON_NAPI_OUTGOING_HANDLE_ARGS_H_
#define ADDON_NAPI_OUTGOING_HANDLE_ARGS_H_

#include <napi.h>

#include <vector>

#include "core/outgoing_handles.h"

namespace rendezvous {

// The end `object` is, or null if it is not a NativeChannel.
using EndOfObject = TransferableEnd* (*)(Napi::Env env,
                                         const Napi::Object& object);

// Reads `value` (undefined: no handles). Throws (and returns false) for a
// list that is not an array, too long, or holds anything else, or the
// `sender` end itself.
bool ReadOutgoingHandles(Napi::Env env,
                         const Napi::Value& value,
                         EndOfObject end_of,
                         const TransferableEnd* sender,
                         std::vector<OutgoingHandle>* out);

// The backend's HandleSystem (core/seam/handles.h).
HandleSystem& SystemHandles();

}  // namespace rendezvous

#endif  // ADDON_NAPI_OUTGOING_HANDLE_ARGS_H_
