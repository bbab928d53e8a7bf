#include "napi/js_args.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/limits.h"
#include "core/shared_memory.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

bool GetIntegerWithCode(const Napi::Value& value,
                        const std::string& name,
                        int64_t min,
                        int64_t max,
                        const char* code,
                        int64_t* out) {
  // An empty value (a getter threw) has a null env: never use value.Env().
  if (value.IsEmpty())
    return false;
  Napi::Env env = value.Env();
  if (!value.IsNumber()) {
    ThrowJsError(env, Error::Type(code, name + " must be a number"));
    return false;
  }
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::trunc(number) != number) {
    ThrowJsError(env, Error::Range(code, name + " must be an integer"));
    return false;
  }
  if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
    ThrowJsError(
        env, Error::Range(code, name + " must be from " + std::to_string(min) +
                                    " to " + std::to_string(max)));
    return false;
  }
  *out = static_cast<int64_t>(number);
  return true;
}

}  // namespace

bool GetPid(const Napi::Value& value, int32_t* pid) {
  int64_t number;
  if (!GetIntegerWithCode(value, "pid", 1, INT32_MAX, codes::kInvalidPid,
                          &number)) {
    return false;
  }
  *pid = static_cast<int32_t>(number);
  return true;
}

bool GetInteger(const Napi::Value& value,
                const char* name,
                int64_t min,
                int64_t max,
                int64_t* out) {
  return GetIntegerWithCode(value, name, min, max, codes::kInvalidArgument,
                            out);
}

bool GetRightSpecs(const Napi::Value& value, std::vector<RightSpec>* specs) {
  Napi::Env env = value.Env();
  if (!value.IsArray()) {
    ThrowJsError(
        env, Error::Type(codes::kInvalidArgument, "rights must be an array"));
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() > kMaxRightsPerRegistration) {
    ThrowJsError(
        env,
        Error::Range(codes::kTooManyRights,
                     "At most " + std::to_string(kMaxRightsPerRegistration) +
                         " rights can be registered for one "
                         "process, not " +
                         std::to_string(array.Length())));
    return false;
  }
  specs->clear();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (env.IsExceptionPending())
      return false;
    if (!item.IsObject()) {
      ThrowJsError(env, Error::Type(codes::kInvalidRight,
                                    "each right must be an object"));
      return false;
    }
    Napi::Object object = item.As<Napi::Object>();
    RightSpec spec;
    int64_t key;
    if (!GetIntegerWithCode(object.Get("key"), "key", 0, UINT32_MAX,
                            codes::kInvalidKey, &key) ||
        !GetIntegerWithCode(object.Get("handle"), "handle", 0, INT64_MAX / 2,
                            codes::kInvalidRight, &spec.handle)) {
      return false;
    }
    spec.key = static_cast<uint32_t>(key);
    Napi::Value disposition = object.Get("disposition");
    if (env.IsExceptionPending())
      return false;
    if (!disposition.IsString()) {
      ThrowJsError(env, Error::Type(codes::kInvalidDisposition,
                                    "disposition must be a string"));
      return false;
    }
    spec.disposition = disposition.As<Napi::String>().Utf8Value();
    // Optional: what the handle carries (RightKind) and a region's size.
    int64_t payload = static_cast<int64_t>(RightKind::kFd);
    int64_t byte_length = 0;
    Napi::Value payload_value = object.Get("payload");
    Napi::Value length_value = object.Get("byteLength");
    if (env.IsExceptionPending())
      return false;
    if ((!payload_value.IsUndefined() &&
         !GetIntegerWithCode(payload_value, "payload", 0, kMaxRightKind,
                             codes::kInvalidRight, &payload)) ||
        (!length_value.IsUndefined() &&
         !GetIntegerWithCode(length_value, "byteLength", 0,
                             static_cast<int64_t>(kMaxSharedMemoryBytes),
                             codes::kInvalidRight, &byte_length))) {
      return false;
    }
    spec.payload = static_cast<RightKind>(payload);
    spec.byte_length = static_cast<uint64_t>(byte_length);
    specs->push_back(std::move(spec));
  }
  return true;
}

}  // namespace rendezvous
