#include "napi/received_message_js.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include "core/large_copy.h"
#include "core/shared_memory.h"
#include "napi/addon_state.h"
#include "napi/channel_bindings.h"
#include "napi/external_buffers.h"
#include "napi/shared_memory_bindings.h"

namespace rendezvous {

namespace {

// Messages this large are handed to JS without a copy where the runtime
// allows; smaller ones are copied.
constexpr size_t kExternalBufferThreshold = 64 * 1024;

Napi::Value PayloadToJs(Napi::Env env, ReceivedPayload* payload) {
  if (payload->memory)
    return NewSharedMemoryObject(env, std::move(payload->memory));
  if (payload->channel) {
    return NewChannelObject(env, std::move(payload->channel),
                            payload->channel_endpoint);
  }
  Napi::Object raw = Napi::Object::New(env);
  raw.Set("kind", static_cast<double>(payload->kind));
  raw.Set("handle", static_cast<double>(payload->raw.get()));
  return raw;
}

}  // namespace

Napi::Value MessageBuffer(Napi::Env env, frames::AssembledMessage* message) {
  size_t size = static_cast<size_t>(message->size);
  if (size >= kExternalBufferThreshold &&
      AddonState::Get(env)->external_buffers) {
    uint8_t* bytes = message->data.get();
    Napi::Value buffer = NewExternalArrayBuffer(
        env, bytes, size, [bytes]() { std::free(bytes); });
    if (!buffer.IsEmpty()) {
      (void)message->data.release();  // the buffer owns it now
      return buffer;
    }
    // Refused after all: fall through and copy.
    if (env.IsExceptionPending())
      env.GetAndClearPendingException();
  }
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, size);
  if (env.IsExceptionPending()) {
    env.GetAndClearPendingException();
    return Napi::Value();
  }
  if (size > 0) {
    auto* destination = static_cast<uint8_t*>(buffer.Data());
    PrepareCopyDestination(destination, size);
    CopyBytes(destination, message->data.get(), size);
  }
  return buffer;
}

Napi::Value PayloadsToJs(Napi::Env env,
                         std::vector<ReceivedPayload>* payloads) {
  Napi::Array list = Napi::Array::New(env, payloads->size());
  for (size_t i = 0; i < payloads->size(); ++i) {
    Napi::Value value = PayloadToJs(env, &(*payloads)[i]);
    if (value.IsEmpty() || env.IsExceptionPending())
      return Napi::Value();
    list.Set(i, value);
  }
  for (ReceivedPayload& payload : *payloads)
    (void)payload.raw.release();
  return list;
}

}  // namespace rendezvous
