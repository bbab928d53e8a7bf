// Everything the addon owns in one JS environment (main thread or worker).
//
// Thread use: created and destroyed on that environment's JS thread. The
// table is shared with the server thread under its own lock.
//
// Ownership: `server` is declared after `table` so it is destroyed first; a
// stopping server releases every registration while its exit watches can
// still be removed from its epoll set.
#ifndef ADDON_NAPI_ADDON_STATE_H_
#define ADDON_NAPI_ADDON_STATE_H_

#include <napi.h>

#include <memory>

#include "core/platform.h"
#include "core/registration_table.h"

namespace rendezvous {

struct AddonState {
  RegistrationTable table;
  std::unique_ptr<ServerTransport> server;

  static AddonState* Get(Napi::Env env) {
    return env.GetInstanceData<AddonState>();
  }
};

}  // namespace rendezvous

#endif  // ADDON_NAPI_ADDON_STATE_H_
