// The addon's entry point: per-environment state, its cleanup, and the
// bindings.
#include <napi.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/debug_log.h"
#include "core/seam/process.h"
#include "napi/addon_state.h"
#include "napi/channel_bindings.h"
#include "napi/client_bindings.h"
#include "napi/constants.h"
#include "napi/external_buffers.h"
#include "napi/server_bindings.h"
#include "napi/shared_memory_bindings.h"

namespace rendezvous {

namespace {

// How long teardown waits for the release thread to close what is queued.
// A close still blocked then is left to it: at exit the kernel no longer
// lingers, and a worker's teardown need not wait for a peer.
constexpr std::chrono::milliseconds kDeferredReleaseDrainBound{500};

Napi::Object InitState(Napi::Env env, Napi::Object exports) {
  // Owners release handles with no config at hand: they log through this.
  SetProcessDebugLog(NodeDebugNames(std::getenv("NODE_DEBUG"), "rendezvous"),
                     static_cast<long>(CurrentProcessId()));
  auto* state = new AddonState();
  env.SetInstanceData<AddonState>(state);
  // Stop the server thread and close every handle when the environment (the
  // process's main context, or a worker) is torn down.
  env.AddCleanupHook([env, state] {
    CloseAllChannels(env);
    state->server.reset();
    state->deferred_release.Stop(kDeferredReleaseDrainBound);
  });
  // ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy turns zero-copy buffers off
  // (regions and channel messages alike) to run Electron's path elsewhere.
  const char* mode = std::getenv("ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY");
  state->external_buffers =
      ExternalBuffersAllowed(env) &&
      !(mode != nullptr && std::strcmp(mode, "copy") == 0);
  InitConstants(env, exports);
  InitServerBindings(env, exports);
  InitClientBindings(env, exports);
  InitSharedMemoryBindings(env, exports);
  InitChannelBindings(env, exports);
  return exports;
}

}  // namespace

}  // namespace rendezvous

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return rendezvous::InitState(env, exports);
}

NODE_API_MODULE(electron_port_rendezvous, InitAddon)
