// Everything the addon owns in one JS environment (main thread or worker).
//
// Thread use: created and destroyed on that environment's JS thread. The
// table is shared with the server thread under its own lock.
//
// Ownership: `server` is declared after `table` so it is destroyed first; a
// stopping server releases every registration while its exit watches can
// still be removed from its epoll set. `deferred_release` comes first of
// all: the server and every channel end release through it.
#ifndef ADDON_NAPI_ADDON_STATE_H_
#define ADDON_NAPI_ADDON_STATE_H_

#include <napi.h>

#include <memory>
#include <set>

#include "core/deferred_release.h"
#include "core/limits.h"
#include "core/registration_table.h"
#include "core/seam/server.h"
#include "napi/in_place_view.h"
#include "napi/launch_ends.h"

namespace rendezvous {

class ChannelObject;

struct AddonState {
  // What peers sent, or could have loaded, is released on its thread.
  DeferredRelease deferred_release{kMaxDeferredReleases};
  RegistrationTable table;
  std::unique_ptr<ServerTransport> server;
  // The channel ends each pending launch took, to give back.
  LaunchEnds launch_ends;
  // Constructors for the objects native code makes (received payloads).
  Napi::FunctionReference shared_memory_class;
  Napi::FunctionReference channel_class;
  // Open channel ends, closed when the environment is torn down so their
  // libuv handles are gone before the loop is.
  std::set<ChannelObject*> open_channels;
  // Whether this runtime accepts ArrayBuffers over the addon's memory (plain
  // Node does; Electron's V8 memory cage does not), and is not told to
  // behave as if it did not (ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY=copy).
  bool external_buffers = false;
  // Whether regions may be mapped in place inside SharedArrayBuffers JS
  // allocated (the backend can, and the switch is not `copy-only`).
  bool in_place_views = false;
  // Every view in place not yet released, released when the environment is
  // torn down.
  InPlaceViews in_place_view_registry;

  static AddonState* Get(Napi::Env env) {
    return env.GetInstanceData<AddonState>();
  }
};

}  // namespace rendezvous

#endif  // ADDON_NAPI_ADDON_STATE_H_
