// The addon's entry point: per-environment state, its cleanup, and the
// bindings.
#include <napi.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/debug_log.h"
#include "core/seam/process.h"
#include "core/shared_memory.h"
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

// ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY, read once at load:
//   `copy`: what Electron's memory cage imposes, to run its path elsewhere:
//     external ArrayBuffers refused (regions and channel messages alike, as
//     if napi_create_external_arraybuffer had failed); views in place work.
//   `copy-only`: no zero copy at all: no external buffers, no views in
//     place; regions are read and written by copy.
//   unset or empty: whatever the runtime allows. Any other value is ignored,
//     as it always was, with a debug line.
void ReadSharedMemoryMode(Napi::Env env, AddonState* state) {
  const char* mode = std::getenv("ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY");
  const bool copy = mode != nullptr && std::strcmp(mode, "copy") == 0;
  const bool copy_only = mode != nullptr && std::strcmp(mode, "copy-only") == 0;
  if (mode != nullptr && *mode != '\0' && !copy && !copy_only) {
    ProcessDebugLog()(
        "ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=%s is not `copy` or "
        "`copy-only`; ignored",
        mode);
  }
  state->external_buffers = !copy && !copy_only && ExternalBuffersAllowed(env);
  state->in_place_views = !copy_only && InPlaceMappingSupported();
}

Napi::Object InitState(Napi::Env env, Napi::Object exports) {
  // Owners release handles with no config at hand: they log through this.
  SetProcessDebugLog(NodeDebugNames(std::getenv("NODE_DEBUG"), "rendezvous"),
                     static_cast<long>(CurrentProcessId()));
  auto* state = new AddonState();
  env.SetInstanceData<AddonState>(state);
  // Stop the server thread and close every handle when the environment (the
  // process's main context, or a worker) is torn down.
  env.AddCleanupHook([env, state] {
    // Before V8 frees the buffers views in place sit in.
    state->in_place_view_registry.ReleaseAll();
    CloseAllChannels(env);
    state->server.reset();
    state->deferred_release.Stop(kDeferredReleaseDrainBound);
  });
  ReadSharedMemoryMode(env, state);
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
