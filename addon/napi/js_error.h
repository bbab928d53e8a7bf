// Raising the addon's Error as a JS exception with its code, syscall and
// errno, in the JS class (Error, TypeError, RangeError) it asks for.
#ifndef ADDON_NAPI_JS_ERROR_H_
#define ADDON_NAPI_JS_ERROR_H_

#include <napi.h>

#include "core/error.h"

namespace rendezvous {

Napi::Error ToJsError(Napi::Env env, const Error& error);
// Throws it; callers return right after.
void ThrowJsError(Napi::Env env, const Error& error);

}  // namespace rendezvous

#endif  // ADDON_NAPI_JS_ERROR_H_
