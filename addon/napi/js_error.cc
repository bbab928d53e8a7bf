#include "napi/js_error.h"

namespace rendezvous {

Napi::Error ToJsError(Napi::Env env, const Error& error) {
  Napi::Error js_error;
  switch (error.error_class) {
    case ErrorClass::kTypeError:
      js_error = Napi::TypeError::New(env, error.message);
      break;
    case ErrorClass::kRangeError:
      js_error = Napi::RangeError::New(env, error.message);
      break;
    case ErrorClass::kError:
      js_error = Napi::Error::New(env, error.message);
      break;
  }
  js_error.Set("code", Napi::String::New(env, error.code));
  if (!error.syscall.empty()) {
    js_error.Set("syscall", Napi::String::New(env, error.syscall));
    js_error.Set("errno", Napi::Number::New(env, error.os_error));
  }
  return js_error;
}

void ThrowJsError(Napi::Env env, const Error& error) {
  // A getter may have thrown already: that exception stands.
  if (env.IsExceptionPending())
    return;
  ToJsError(env, error).ThrowAsJavaScriptException();
}

}  // namespace rendezvous
