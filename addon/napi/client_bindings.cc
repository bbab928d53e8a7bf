#include "napi/client_bindings.h"

#include <unistd.h>

#include <vector>

#include "core/platform.h"
#include "napi/js_args.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

// performRendezvous(endpoint, expectedServerPid, timeoutMs, debug)
//   -> Uint32Array [key0, handle0, key1, handle1, ...]; the caller owns every
//   handle returned.
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
      !GetInteger(info[2], "timeoutMs", 1, 3600 * 1000, &timeout)) {
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
  // One flat array, key then handle, for each right: a single allocation
  // whatever the count. Handles are descriptors or port names: both fit.
  Napi::Uint32Array result = Napi::Uint32Array::New(env, rights.size() * 2);
  for (size_t i = 0; i < rights.size(); ++i) {
    result[i * 2] = rights[i].key;
    result[i * 2 + 1] = static_cast<uint32_t>(rights[i].handle);
  }
  return result;
}

}  // namespace

void InitClientBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("performRendezvous",
              Napi::Function::New(env, PerformRendezvousBinding));
}

}  // namespace rendezvous
