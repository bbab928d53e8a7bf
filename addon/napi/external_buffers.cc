#include "napi/external_buffers.h"

#include <utility>

namespace rendezvous {

namespace {

void RunRelease(napi_env /*env*/, void* /*data*/, void* hint) {
  auto* release = static_cast<std::function<void()>*>(hint);
  (*release)();
  delete release;
}

}  // namespace

bool ExternalBuffersAllowed(Napi::Env env) {
  static uint8_t probe_byte;
  napi_value probe;
  return napi_create_external_arraybuffer(env, &probe_byte, 1, nullptr, nullptr,
                                          &probe) == napi_ok;
}

Napi::Value NewExternalArrayBuffer(Napi::Env env,
                                   uint8_t* data,
                                   size_t size,
                                   std::function<void()> release) {
  auto* hint = new std::function<void()>(std::move(release));
  napi_value buffer;
  napi_status status = napi_create_external_arraybuffer(
      env, data, size, RunRelease, hint, &buffer);
  if (status != napi_ok) {
    // Not made: the caller keeps `data`, so `release` must not run.
    delete hint;
    if (status == napi_no_external_buffers_allowed)
      return Napi::Value();
    NAPI_THROW(Napi::Error::New(env), Napi::Value());
  }
  return Napi::Value(env, buffer);
}

}  // namespace rendezvous
