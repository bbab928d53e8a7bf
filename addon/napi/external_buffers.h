// ArrayBuffers over memory the addon owns, where the runtime allows them.
//
// Electron builds V8 with its memory cage, where every ArrayBuffer must live
// inside the cage and napi_create_external_arraybuffer fails with
// napi_no_external_buffers_allowed. Plain Node allows them. Whether they are
// allowed is found out once per environment by trying.
#ifndef ADDON_NAPI_EXTERNAL_BUFFERS_H_
#define ADDON_NAPI_EXTERNAL_BUFFERS_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace rendezvous {

bool ExternalBuffersAllowed(Napi::Env env);

// An ArrayBuffer over `data`; `release` runs when the buffer is collected.
// If it could not be made, `release` never runs (the caller still owns
// `data`) and the result is empty: with no exception pending when external
// buffers are not allowed, with one for any other failure.
Napi::Value NewExternalArrayBuffer(Napi::Env env,
                                   uint8_t* data,
                                   size_t size,
                                   std::function<void()> release);

}  // namespace rendezvous

#endif  // ADDON_NAPI_EXTERNAL_BUFFERS_H_
