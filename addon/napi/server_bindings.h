#ifndef ADDON_NAPI_SERVER_BINDINGS_H_
#define ADDON_NAPI_SERVER_BINDINGS_H_

#include <napi.h>

namespace rendezvous {

// startServer, stopServer, prepareLaunch, bindLaunch, cancelLaunch,
// registerForPid, serverStats: the main process's half of the raw addon
// (typed in lib/native.ts).
void InitServerBindings(Napi::Env env, Napi::Object exports);

}  // namespace rendezvous

#endif  // ADDON_NAPI_SERVER_BINDINGS_H_
