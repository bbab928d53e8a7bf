#include "napi/client_bindings.h"

#include <unistd.h>

#include <vector>

#include "core/platform.h"
#include "napi/js_args.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

// performRendezvous(endpoint, expectedServerPid, timeoutMs, debug)
//   -> [{ key, handle }, ...]; the caller owns every handle returned.
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
  config.log =
      DebugLog(info[3].ToBoolean().Value(), static_cast<long>(::getpid()));
  std::vector<ReceivedRight> rights;
  Error error;
  if (!PerformRendezvous(config, &rights, &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  Napi::Array result = Napi::Array::New(env, rights.size());
  for (size_t i = 0; i < rights.size(); ++i) {
    Napi::Object right = Napi::Object::New(env);
    right.Set("key", Napi::Number::New(env, rights[i].key));
    right.Set("handle",
              Napi::Number::New(env, static_cast<double>(rights[i].handle)));
    result.Set(static_cast<uint32_t>(i), right);
  }
  return result;
}

}  // namespace

void InitClientBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("performRendezvous",
              Napi::Function::New(env, PerformRendezvousBinding));
}

}  // namespace rendezvous
