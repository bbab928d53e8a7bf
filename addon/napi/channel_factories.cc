#include "napi/channel_factories.h"

#include <memory>
#include <string>
#include <utility>

#include "core/channel_transport.h"
#include "core/owned_handle.h"
#include "napi/channel_bindings.h"
#include "napi/js_args.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

// createChannelPair() -> [NativeChannel, NativeChannel]
Napi::Value CreateChannelPairBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OwnedHandle handles[2];
  Error error;
  if (!CreateChannelPair(&handles[0], &handles[1], &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  const int64_t endpoints[2] = {handles[0].get(), handles[1].get()};
  // Both adopted before either becomes an object, so a failure leaves no
  // half-made pair to JS.
  std::unique_ptr<ChannelTransport> ends[2] = {
      AdoptChannelEnd(std::move(handles[0]), &error),
      AdoptChannelEnd(std::move(handles[1]), &error)};
  if (!ends[0] || !ends[1]) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  Napi::Array pair = Napi::Array::New(env, 2);
  for (uint32_t i = 0; i < 2; ++i) {
    Napi::Value end = NewChannelObject(
        env, ReleasedOffThread(env, std::move(ends[i])), endpoints[i]);
    if (end.IsEmpty())
      return env.Undefined();
    pair.Set(i, end);
  }
  return pair;
}

// adoptChannel(handle) -> NativeChannel, for a handle that arrived by
// rendezvous or came back from one: the handle is taken (a failed adoption
// releases it as AdoptChannelEnd says), except when an open end owns it
// already (it stays that end's, and only one object ever owns a handle).
Napi::Value AdoptChannelBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t handle;
  if (!GetInteger(info[0], "handle", 0, UINT32_MAX, &handle))
    return env.Undefined();
  if (OwnedByOpenEnd(env, handle)) {
    ThrowJsError(env, Error::Make(codes::kInvalidRight,
                                  "Handle " + std::to_string(handle) +
                                      " is already an open channel end's"));
    return env.Undefined();
  }
  Error error;
  auto transport =
      AdoptChannelEnd(OwnedHandle(handle, RightKind::kChannel), &error);
  if (!transport) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  Napi::Value channel = NewChannelObject(
      env, ReleasedOffThread(env, std::move(transport)), handle);
  return channel.IsEmpty() ? env.Undefined() : channel;
}

}  // namespace

void InitChannelFactories(Napi::Env env, Napi::Object exports) {
  exports.Set("createChannelPair",
              Napi::Function::New(env, CreateChannelPairBinding));
  exports.Set("adoptChannel", Napi::Function::New(env, AdoptChannelBinding));
}

}  // namespace rendezvous
