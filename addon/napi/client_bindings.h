#ifndef ADDON_NAPI_CLIENT_BINDINGS_H_
#define ADDON_NAPI_CLIENT_BINDINGS_H_

#include <napi.h>

namespace rendezvous {

// performRendezvous: the helper process's half of the raw addon (typed in
// lib/native.ts).
void InitClientBindings(Napi::Env env, Napi::Object exports);

}  // namespace rendezvous

#endif  // ADDON_NAPI_CLIENT_BINDINGS_H_
