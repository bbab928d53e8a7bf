#include "napi/client_bindings.h"

#include <unistd.h>

#include <vector>

#include "core/platform.h"
#include "napi/js_args.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

// performRendezvous(endpoint, expectedServerPid, timeoutMs, debug)
//   -> Uint32Array [key0, handle0, kind0, key1, ...] (kind: RightKind); the
//   caller owns every handle returned.
Napi::Value PerformRendezvousBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    ThrowJsError(
        env, Error::Type(codes::kInvalidArgument, "endpoint must be a string"));
    return env.Undefined();
  }
  ClientConfig config;
  config.endpoint = info[0].As<Napi::String>().Utf8Value();
  int64_t timeout;
  if (!GetInteger(info[1], "expectedServerPid", 1, INT32_MAX,
                  &config.expected_server_pid) ||
      // The server may hold a request up to an hour; the client waits longer.
      !GetInteger(info[2], "timeoutMs", 1, 2 * 3600 * 1000, &timeout)) {
    return env.Undefined();
  }
  config.timeout = std::chrono::milliseconds(timeout);
  bool debug = info[3].ToBoolean().Value();
  config.log = DebugLog(debug, debug ? static_cast<long>(::getpid()) : 0);
  std::vector<ReceivedRight> rights;
  Error error;
  if (!PerformRendezvous(config, &rights, &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  // One flat array, key, handle and kind for each right: a single
  // allocation whatever the count. Descriptors and port names both fit.
  Napi::Uint32Array result = Napi::Uint32Array::New(env, rights.size() * 3);
  if (env.IsExceptionPending()) {
    // No way to hand them over (the environment is going away): release.
    for (const ReceivedRight& right : rights)
      ReleaseReceivedRight(right.handle, right.kind);
    return env.Undefined();
  }
  for (size_t i = 0; i < rights.size(); ++i) {
    result[i * 3] = rights[i].key;
    result[i * 3 + 1] = static_cast<uint32_t>(rights[i].handle);
    result[i * 3 + 2] = static_cast<uint32_t>(rights[i].kind);
  }
  return result;
}

// releaseRight(handle, kind): releases a received right its owner closed.
Napi::Value ReleaseRightBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t handle;
  int64_t kind;
  if (!GetInteger(info[0], "handle", 0, UINT32_MAX, &handle) ||
      !GetInteger(info[1], "kind", 0, 3, &kind)) {
    return env.Undefined();
  }
  ReleaseReceivedRight(handle, static_cast<RightKind>(kind));
  return env.Undefined();
}

}  // namespace

void InitClientBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("performRendezvous",
              Napi::Function::New(env, PerformRendezvousBinding));
  exports.Set("releaseRight", Napi::Function::New(env, ReleaseRightBinding));
}

}  // namespace rendezvous
