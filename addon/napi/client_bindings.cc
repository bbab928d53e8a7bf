#include "napi/client_bindings.h"

#include <vector>

#include "core/seam/client.h"
#include "core/seam/process.h"
#include "napi/addon_state.h"
#include "napi/js_args.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

// performRendezvous(endpoint, expectedServerPid, timeoutMs, debug)
//   -> Float64Array [key0, handle0, kind0, byteLength0, key1, ...] (kind:
//   RightKind; byteLength: a shared memory region's stated size, else 0);
//   the caller owns every handle returned.
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
  config.log =
      DebugLog(debug, debug ? static_cast<long>(CurrentProcessId()) : 0);
  std::vector<ReceivedRight> rights;
  Error error;
  if (!PerformRendezvous(config, &rights, &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  // One flat array, four numbers for each right: a single allocation
  // whatever the count. Every value is an integer below 2^53.
  constexpr size_t kFields = 4;
  Napi::Float64Array result =
      Napi::Float64Array::New(env, rights.size() * kFields);
  if (env.IsExceptionPending())
    return env.Undefined();  // no way to hand them over: `rights` releases
  for (size_t i = 0; i < rights.size(); ++i) {
    const OwnedHandle& handle = rights[i].handle;
    result[i * kFields] = rights[i].key;
    result[i * kFields + 1] = static_cast<double>(handle.get());
    result[i * kFields + 2] = static_cast<double>(handle.kind());
    result[i * kFields + 3] = static_cast<double>(handle.byte_length());
  }
  // The caller owns them now.
  for (ReceivedRight& right : rights)
    (void)right.handle.release();
  return result;
}

// releaseRight(handle, kind): releases a received right its owner closed,
// on the release thread: it may be a peer's descriptor whose close blocks.
Napi::Value ReleaseRightBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t handle;
  int64_t kind;
  if (!GetInteger(info[0], "handle", 0, UINT32_MAX, &handle) ||
      !GetInteger(info[1], "kind", 0, kMaxRightKind, &kind)) {
    return env.Undefined();
  }
  AddonState::Get(env)->deferred_release.Release(
      OwnedHandle(handle, static_cast<RightKind>(kind)));
  return env.Undefined();
}

}  // namespace

void InitClientBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("performRendezvous",
              Napi::Function::New(env, PerformRendezvousBinding));
  exports.Set("releaseRight", Napi::Function::New(env, ReleaseRightBinding));
}

}  // namespace rendezvous
