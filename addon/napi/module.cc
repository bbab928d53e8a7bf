// The addon's entry point: per-environment state, its cleanup, and the
// bindings.
#include <napi.h>

#include "napi/addon_state.h"
#include "napi/client_bindings.h"
#include "napi/server_bindings.h"

namespace rendezvous {

namespace {

Napi::Object InitState(Napi::Env env, Napi::Object exports) {
  auto* state = new AddonState();
  env.SetInstanceData<AddonState>(state);
  // Stop the server thread and close every handle when the environment (the
  // process's main context, or a worker) is torn down.
  env.AddCleanupHook([state] { state->server.reset(); });
  InitServerBindings(env, exports);
  InitClientBindings(env, exports);
  return exports;
}

}  // namespace

}  // namespace rendezvous

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return rendezvous::InitState(env, exports);
}

NODE_API_MODULE(electron_port_rendezvous, InitAddon)
