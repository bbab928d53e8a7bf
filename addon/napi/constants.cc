#include "napi/constants.h"

#include "core/channel_frames.h"
#include "core/default_dispositions.h"
#include "core/limits.h"
#include "core/right.h"
#include "core/right_specs.h"
#include "core/shared_memory.h"
#include "napi/addon_state.h"
#include "napi/js_args.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

Napi::Object Frozen(Napi::Object object) {
  object.Freeze();
  return object;
}

Napi::Number Count(Napi::Env env, uint64_t value) {
  return Napi::Number::New(env, static_cast<double>(value));
}

Napi::Object Limits(Napi::Env env) {
  const ServerLimits defaults;
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("maxRightsPerProcess", Count(env, kMaxRightsPerRegistration));
  limits.Set("maxKey", Count(env, kMaxKey));
  limits.Set("maxSharedMemoryBytes", Count(env, kMaxSharedMemoryBytes));
  limits.Set("maxHandlesPerMessage", Count(env, frames::kMaxHandlesPerMessage));
  limits.Set("defaultPendingRequestTimeoutMs",
             Count(env, defaults.pending_request_timeout.count()));
  limits.Set("defaultRequestReadTimeoutMs",
             Count(env, defaults.request_read_timeout.count()));
  limits.Set("defaultMaxHeldRequests", Count(env, defaults.max_held_requests));
  limits.Set("defaultMaxConnections", Count(env, defaults.max_connections));
  limits.Set("maxServerTimeoutMs", Count(env, kMaxServerTimeoutMs));
  limits.Set("maxServerCapacity", Count(env, kMaxServerCapacity));
  return Frozen(limits);
}

Napi::Object RightKinds(Napi::Env env) {
  Napi::Object kinds = Napi::Object::New(env);
  for (const RightKindName& entry : kRightKindNames)
    kinds.Set(entry.name, Count(env, static_cast<uint32_t>(entry.kind)));
  return Frozen(kinds);
}

Napi::Object Dispositions(Napi::Env env) {
  const DefaultDispositions& defaults = BackendDefaultDispositions();
  Napi::Object dispositions = Napi::Object::New(env);
  dispositions.Set("sharedFd", defaults.shared_fd);
  dispositions.Set("sharedRegion", defaults.shared_region);
  dispositions.Set("channelEnd", defaults.channel_end);
  return Frozen(dispositions);
}

// checkRightCount(count): the registration limit's one refusal, thrown for
// the TypeScript layer before it looks at any right.
Napi::Value CheckRightCountBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t count;
  if (GetInteger(info[0], "count", 0, INT32_MAX, &count) &&
      static_cast<uint64_t>(count) > kMaxRightsPerRegistration) {
    ThrowJsError(env, TooManyRights(static_cast<size_t>(count)));
  }
  return env.Undefined();
}

}  // namespace

void InitConstants(Napi::Env env, Napi::Object exports) {
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("limits", Limits(env));
  constants.Set("rightKind", RightKinds(env));
  constants.Set("defaultDispositions", Dispositions(env));
  constants.Set("machPorts", BackendDefaultDispositions().mach_ports);
  // Decided once, at load (napi/module.cc): whether regions may be mapped
  // in place inside SharedArrayBuffers (views in place, in every runtime),
  // whether ArrayBuffers over the addon's memory are allowed (plain Node,
  // unless told otherwise), and the page size views are laid out in.
  AddonState* state = AddonState::Get(env);
  constants.Set("zeroCopy", state->in_place_views);
  constants.Set("externalBuffers", state->external_buffers);
  constants.Set("pageSize", Count(env, SharedMemoryPageSize()));
  exports.Set("constants", Frozen(constants));
  exports.Set("checkRightCount",
              Napi::Function::New(env, CheckRightCountBinding));
}

}  // namespace rendezvous
