#include "napi/js_args.h"

#include <cmath>
#include <string>

#include "core/default_dispositions.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/right_specs.h"
#include "core/shared_memory.h"
#include "napi/channel_handoff.h"
#include "napi/js_error.h"
#include "napi/shared_memory_bindings.h"

namespace rendezvous {

namespace {

bool CheckIntegerNumber(Napi::Env env,
                        double number,
                        const std::string& name,
                        int64_t min,
                        int64_t max,
                        const char* code,
                        int64_t* out) {
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
  return CheckIntegerNumber(env, value.As<Napi::Number>().DoubleValue(), name,
                            min, max, code, out);
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

namespace {

std::string RightFor(uint32_t key) {
  return "The right for key " + std::to_string(key);
}

// { region }: a SharedMemory the caller keeps mapped; the server takes its
// own reference to the handle, sent as the backend sends regions.
bool GetRegionSpec(Napi::Env env, const Napi::Value& region, RightSpec* spec) {
  const SharedMemoryMapping* mapping = nullptr;
  if (!UnwrapSharedMemory(env, region, &mapping) || mapping == nullptr) {
    if (!env.IsExceptionPending()) {
      ThrowJsError(env, Error::Type(codes::kInvalidRight,
                                    RightFor(spec->key) +
                                        " names no open shared memory region"));
    }
    return false;
  }
  spec->handle = mapping->handle();
  spec->disposition = BackendDefaultDispositions().shared_region;
  spec->payload = RightKind::kSharedMemory;
  spec->byte_length = mapping->size();
  return true;
}

// { channel }: a NativeChannel end, moved as the backend sends channel ends
// once the registration is accepted.
bool GetChannelSpec(Napi::Env env,
                    const Napi::Value& channel,
                    RightSpec* spec,
                    ListedEnd* listed) {
  Error error;
  if (!channel.IsObject() || !ChannelEndOf(env, channel.As<Napi::Object>(),
                                           &listed->end, &listed->handle)) {
    if (!env.IsExceptionPending()) {
      ThrowJsError(env,
                   Error::Type(codes::kInvalidRight,
                               RightFor(spec->key) + " names no channel end"));
    }
    return false;
  }
  if (!listed->end->CheckTransferable(&error)) {
    ThrowJsError(env, error);
    return false;
  }
  listed->object = channel.As<Napi::Object>();
  spec->handle = listed->handle;
  spec->disposition = BackendDefaultDispositions().channel_end;
  spec->payload = RightKind::kChannel;
  return true;
}

// The backend's disposition for what the handle carries, when JS names none.
const char* DefaultDisposition(RightKind payload) {
  const DefaultDispositions& defaults = BackendDefaultDispositions();
  if (payload == RightKind::kChannel)
    return defaults.channel_end;
  if (payload == RightKind::kSharedMemory)
    return defaults.shared_region;
  return defaults.shared_fd;
}

// { handle, disposition?, payload?, byteLength? }
bool GetHandleSpec(Napi::Env env, Napi::Object object, RightSpec* spec) {
  if (!GetIntegerWithCode(object.Get("handle"), "handle", 0, INT64_MAX / 2,
                          codes::kInvalidRight, &spec->handle)) {
    return false;
  }
  Napi::Value disposition = object.Get("disposition");
  if (env.IsExceptionPending())
    return false;
  if (!disposition.IsUndefined() && !disposition.IsString()) {
    ThrowJsError(env, Error::Type(codes::kInvalidDisposition,
                                  "disposition must be a string"));
    return false;
  }
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
  spec->payload = static_cast<RightKind>(payload);
  spec->byte_length = static_cast<uint64_t>(byte_length);
  spec->disposition = disposition.IsUndefined()
                          ? DefaultDisposition(spec->payload)
                          : disposition.As<Napi::String>().Utf8Value();
  return true;
}

bool GetRightSpec(Napi::Env env,
                  const Napi::Value& item,
                  RightSpec* spec,
                  std::vector<ListedEnd>* ends) {
  if (!item.IsObject()) {
    ThrowJsError(
        env, Error::Type(codes::kInvalidRight, "each right must be an object"));
    return false;
  }
  Napi::Object object = item.As<Napi::Object>();
  int64_t key;
  if (!GetIntegerWithCode(object.Get("key"), "key", 0, kMaxKey,
                          codes::kInvalidKey, &key)) {
    return false;
  }
  spec->key = static_cast<uint32_t>(key);
  Napi::Value region = object.Get("region");
  Napi::Value channel = object.Get("channel");
  if (env.IsExceptionPending())
    return false;
  if (!region.IsUndefined())
    return GetRegionSpec(env, region, spec);
  if (channel.IsUndefined())
    return GetHandleSpec(env, object, spec);
  ListedEnd listed;
  if (!GetChannelSpec(env, channel, spec, &listed))
    return false;
  ends->push_back(listed);
  return true;
}

}  // namespace

namespace {

constexpr size_t kPackedFields = 3;  // key, handle, disposition index
constexpr int64_t kPackedDispositionCount =
    sizeof(kPackedDispositions) / sizeof(kPackedDispositions[0]);

// The packed form: every record checked as the object form checks its
// fields, with the same codes.
bool GetPackedRightSpecs(Napi::Env env,
                         const Napi::TypedArray& typed,
                         std::vector<RightSpec>* specs) {
  if (typed.TypedArrayType() != napi_float64_array ||
      typed.ElementLength() % kPackedFields != 0) {
    ThrowJsError(env, Error::Type(codes::kInvalidArgument,
                                  "packed rights must be a Float64Array of "
                                  "[key, handle, disposition] records"));
    return false;
  }
  size_t count = typed.ElementLength() / kPackedFields;
  if (count > kMaxRightsPerRegistration) {
    ThrowJsError(env, TooManyRights(count));
    return false;
  }
  const double* fields = typed.As<Napi::Float64Array>().Data();
  specs->reserve(count);
  for (size_t i = 0; i < count; ++i, fields += kPackedFields) {
    RightSpec spec;
    int64_t key;
    int64_t disposition;
    if (!CheckIntegerNumber(env, fields[0], "key", 0, kMaxKey,
                            codes::kInvalidKey, &key) ||
        !CheckIntegerNumber(env, fields[1], "handle", 0, INT64_MAX / 2,
                            codes::kInvalidRight, &spec.handle) ||
        !CheckIntegerNumber(env, fields[2], "disposition", 0,
                            kPackedDispositionCount - 1,
                            codes::kInvalidDisposition, &disposition)) {
      return false;
    }
    spec.key = static_cast<uint32_t>(key);
    spec.disposition = kPackedDispositions[disposition];
    specs->push_back(std::move(spec));
  }
  return true;
}

}  // namespace

bool GetRightSpecs(const Napi::Value& value,
                   std::vector<RightSpec>* specs,
                   std::vector<ListedEnd>* ends) {
  Napi::Env env = value.Env();
  specs->clear();
  ends->clear();
  if (value.IsTypedArray())
    return GetPackedRightSpecs(env, value.As<Napi::TypedArray>(), specs);
  if (!value.IsArray()) {
    ThrowJsError(
        env, Error::Type(codes::kInvalidArgument, "rights must be an array"));
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() > kMaxRightsPerRegistration) {
    ThrowJsError(env, TooManyRights(array.Length()));
    return false;
  }
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    RightSpec spec;
    if (env.IsExceptionPending() || !GetRightSpec(env, item, &spec, ends))
      return false;
    specs->push_back(std::move(spec));
  }
  return true;
}

}  // namespace rendezvous
