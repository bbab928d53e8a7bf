#include "napi/shared_memory_bindings.h"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/large_copy.h"
#include "core/owned_handle.h"
#include "napi/addon_state.h"
#include "napi/external_buffers.h"
#include "napi/in_place_view.h"
#include "napi/js_args.h"
#include "napi/js_error.h"
#include "napi/mapped_regions.h"

namespace rendezvous {

namespace {

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// The bytes of an ArrayBuffer or any ArrayBufferView.
bool GetBytes(const Napi::Value& value,
              const char* name,
              uint8_t** data,
              size_t* size) {
  if (value.IsArrayBuffer()) {
    auto buffer = value.As<Napi::ArrayBuffer>();
    *data = static_cast<uint8_t*>(buffer.Data());
    *size = buffer.ByteLength();
    return true;
  }
  if (value.IsTypedArray() || value.IsDataView()) {
    napi_value buffer;
    void* bytes;
    size_t length;
    napi_status status;
    if (value.IsTypedArray()) {
      napi_typedarray_type type;
      status = napi_get_typedarray_info(value.Env(), value, &type, &length,
                                        &bytes, &buffer, nullptr);
      length *= value.As<Napi::TypedArray>().ElementSize();
    } else {
      status = napi_get_dataview_info(value.Env(), value, &length, &bytes,
                                      &buffer, nullptr);
    }
    if (status == napi_ok) {
      *data = static_cast<uint8_t*>(bytes);
      *size = length;
      return true;
    }
  }
  ThrowJsError(value.Env(),
               Error::Type(codes::kInvalidArgument,
                           std::string(name) +
                               " must be an ArrayBuffer or ArrayBufferView"));
  return false;
}

}  // namespace

// One mapped region. `mapping_` is shared with any zero-copy ArrayBuffer
// or view in place handed out, so the memory stays mapped until all are
// gone.
class SharedMemoryObject : public Napi::ObjectWrap<SharedMemoryObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "NativeSharedMemory",
        {
            InstanceMethod<&SharedMemoryObject::Read>("read"),
            InstanceMethod<&SharedMemoryObject::Write>("write"),
            InstanceMethod<&SharedMemoryObject::Close>("close"),
            InstanceMethod<&SharedMemoryObject::Buffer>("buffer"),
            InstanceMethod<&SharedMemoryObject::MapView>("mapView"),
            InstanceAccessor<&SharedMemoryObject::ByteLength>("byteLength"),
            InstanceAccessor<&SharedMemoryObject::Handle>("handle"),
        });
  }

  const SharedMemoryMapping* mapping() const { return mapping_.get(); }

  explicit SharedMemoryObject(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<SharedMemoryObject>(info) {
    // Only made from native code, with the mapping in an External.
    if (info.Length() != 1 || !info[0].IsExternal()) {
      ThrowJsError(info.Env(),
                   Error::Type(codes::kInvalidArgument,
                               "Use SharedMemory.create() to make a region"));
      return;
    }
    auto* mapping = info[0].As<Napi::External<SharedMemoryMapping>>().Data();
    mapping_.reset(mapping);
  }

 private:
  SharedMemoryMapping* Open(Napi::Env env) {
    if (!mapping_) {
      ThrowJsError(env, Error::Make(codes::kClosed,
                                    "The shared memory region is closed"));
    }
    return mapping_.get();
  }

  // Checks [offset, offset + size) lies in the region.
  bool CheckRange(Napi::Env env,
                  SharedMemoryMapping* mapping,
                  const Napi::Value& offset_value,
                  size_t size,
                  uint64_t* offset) {
    int64_t offset_number;
    if (!GetInteger(offset_value, "offset", 0, kMaxSafeInteger,
                    &offset_number)) {
      return false;
    }
    *offset = static_cast<uint64_t>(offset_number);
    if (*offset > mapping->size() || size > mapping->size() - *offset) {
      ThrowJsError(
          env, Error::Range(codes::kOutOfRange,
                            "Access of " + std::to_string(size) +
                                " bytes at offset " + std::to_string(*offset) +
                                " is outside the region of " +
                                std::to_string(mapping->size()) + " bytes"));
      return false;
    }
    return true;
  }

  // read(offset, target): copies target.byteLength bytes out of the region.
  Napi::Value Read(const Napi::CallbackInfo& info) {
    return Copy(info, /*into_region=*/false);
  }
  // write(offset, source): copies source's bytes into the region.
  Napi::Value Write(const Napi::CallbackInfo& info) {
    return Copy(info, /*into_region=*/true);
  }

  Napi::Value Copy(const Napi::CallbackInfo& info, bool into_region) {
    Napi::Env env = info.Env();
    SharedMemoryMapping* mapping = Open(env);
    uint8_t* bytes;
    size_t size;
    uint64_t offset;
    if (!mapping ||
        !GetBytes(info[1], into_region ? "source" : "target", &bytes, &size) ||
        !CheckRange(env, mapping, info[0], size, &offset)) {
      return env.Undefined();
    }
    uint8_t* region = mapping->data() + offset;
    if (into_region) {
      CopyBytes(region, bytes, size);
    } else {
      PrepareCopyDestination(bytes, size);
      CopyBytes(bytes, region, size);
    }
    return Napi::Number::New(env, static_cast<double>(size));
  }

  // buffer(): an ArrayBuffer over the whole region, the same one each time;
  // throws where the runtime refuses external buffers, or where
  // ELECTRON_PORT_RENDEZVOUS_SHARED_MEMORY says to behave as if it did.
  Napi::Value Buffer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    SharedMemoryMapping* mapping = Open(env);
    if (!mapping)
      return env.Undefined();
    if (!AddonState::Get(env)->external_buffers) {
      ThrowJsError(env, Error::Make(codes::kZeroCopyUnavailable,
                                    "This runtime does not allow external "
                                    "ArrayBuffers; use a view in place, or "
                                    "read() and write()"));
      return env.Undefined();
    }
    // The same buffer each time, unless the caller detached it.
    if (!view_.IsEmpty() && !view_.Value().IsEmpty() &&
        !view_.Value().IsDetached()) {
      return view_.Value();
    }
    // The buffer keeps the mapping alive, whatever close() does meanwhile.
    auto keep = mapping_;
    Napi::Value buffer =
        NewExternalArrayBuffer(env, mapping->data(), mapping->size(),
                               [keep]() mutable { keep.reset(); });
    if (buffer.IsEmpty()) {
      if (!env.IsExceptionPending()) {
        ThrowJsError(env, Error::Make(codes::kZeroCopyUnavailable,
                                      "This runtime does not allow external "
                                      "ArrayBuffers; use read() and write()"));
      }
      return env.Undefined();
    }
    view_ = Napi::Weak(buffer.As<Napi::ArrayBuffer>());
    return buffer;
  }

  // mapView(publicBytes, anchorBytes, endsOnClose): the region mapped in
  // place inside the SharedArrayBuffer under publicBytes, as a Uint8Array
  // over exactly the region (napi/in_place_view.h). With endsOnClose,
  // close() releases it; without, only collecting its buffer does.
  Napi::Value MapView(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    SharedMemoryMapping* mapping = Open(env);
    if (!mapping)
      return env.Undefined();
    AddonState* state = AddonState::Get(env);
    if (!state->in_place_views) {
      ThrowJsError(env, Error::Make(codes::kZeroCopyUnavailable,
                                    "Views in place are off here; use read() "
                                    "and write()"));
      return env.Undefined();
    }
    std::shared_ptr<InPlaceView> view;
    Napi::Value result = MapInPlaceView(env, mapping_, info[0], info[1],
                                        &state->in_place_view_registry, &view);
    if (result.IsEmpty())
      return env.Undefined();
    if (info[2].ToBoolean().Value()) {
      // Views already collected need no release at close.
      std::vector<std::weak_ptr<InPlaceView>> live;
      for (auto& held : views_ending_on_close_) {
        if (!held.expired())
          live.push_back(std::move(held));
      }
      live.push_back(view);
      views_ending_on_close_ = std::move(live);
    }
    return result;
  }

  // close(): unmaps (once no zero-copy buffer holds it) and releases the
  // handle. The zero-copy buffer, if any, is detached; views in place that
  // end on close show private zero pages from now on. Idempotent.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (!view_.IsEmpty() && !view_.Value().IsEmpty())
      view_.Value().Detach();
    view_.Reset();
    for (auto& held : views_ending_on_close_) {
      if (std::shared_ptr<InPlaceView> view = held.lock())
        view->Release();
    }
    views_ending_on_close_.clear();
    mapping_.reset();
    return info.Env().Undefined();
  }

  Napi::Value ByteLength(const Napi::CallbackInfo& info) {
    return Napi::Number::New(
        info.Env(), mapping_ ? static_cast<double>(mapping_->size()) : 0);
  }

  // The handle, still owned by the region (for the rendezvous to copy).
  Napi::Value Handle(const Napi::CallbackInfo& info) {
    SharedMemoryMapping* mapping = Open(info.Env());
    if (!mapping)
      return info.Env().Undefined();
    return Napi::Number::New(info.Env(),
                             static_cast<double>(mapping->handle()));
  }

  std::shared_ptr<SharedMemoryMapping> mapping_;
  Napi::Reference<Napi::ArrayBuffer> view_;
  std::vector<std::weak_ptr<InPlaceView>> views_ending_on_close_;
};

Napi::Value NewSharedMemoryObject(
    Napi::Env env,
    std::unique_ptr<SharedMemoryMapping> mapping) {
  Napi::EscapableHandleScope scope(env);
  AddonState* state = AddonState::Get(env);
  Napi::External<SharedMemoryMapping> external =
      Napi::External<SharedMemoryMapping>::New(env, mapping.get());
  Napi::Object object = state->shared_memory_class.New({external});
  if (env.IsExceptionPending())
    return Napi::Value();
  // The object owns it now.
  (void)mapping.release();
  return scope.Escape(object);
}

bool UnwrapSharedMemory(Napi::Env env,
                        const Napi::Value& value,
                        const SharedMemoryMapping** mapping) {
  *mapping = nullptr;
  if (!value.IsObject())
    return false;
  Napi::Object object = value.As<Napi::Object>();
  bool is_region = false;
  napi_value constructor = AddonState::Get(env)->shared_memory_class.Value();
  if (napi_instanceof(env, object, constructor, &is_region) != napi_ok ||
      !is_region) {
    return false;
  }
  // An object that only inherits the class's prototype wraps nothing: asked
  // directly, so that is a region with no mapping rather than a thrown napi
  // error.
  void* wrapped = nullptr;
  if (napi_unwrap(env, object, &wrapped) == napi_ok && wrapped) {
    *mapping = static_cast<SharedMemoryObject*>(
                   static_cast<Napi::ObjectWrap<SharedMemoryObject>*>(wrapped))
                   ->mapping();
  }
  return true;
}

namespace {

// createSharedMemory(byteLength) -> NativeSharedMemory
Napi::Value CreateSharedMemoryBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t size;
  if (!GetInteger(info[0], "byteLength", 1,
                  static_cast<int64_t>(kMaxSharedMemoryBytes), &size)) {
    return env.Undefined();
  }
  Error error;
  auto mapping = CreateWithinBudget(static_cast<uint64_t>(size), &error);
  if (!mapping) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  return NewSharedMemoryObject(env, std::move(mapping));
}

// mapSharedMemory(handle, byteLength) -> NativeSharedMemory; takes the handle
// (a received one) whatever the outcome.
Napi::Value MapSharedMemoryBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t handle;
  int64_t size;
  if (!GetInteger(info[0], "handle", 0, UINT32_MAX, &handle))
    return env.Undefined();
  OwnedHandle region(handle, RightKind::kSharedMemory);
  if (!GetInteger(info[1], "byteLength", 1,
                  static_cast<int64_t>(kMaxSharedMemoryBytes), &size)) {
    return env.Undefined();  // `region` is released
  }
  Error error;
  auto mapping =
      MapSharedMemory(std::move(region), static_cast<uint64_t>(size), &error);
  if (!mapping) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  return NewSharedMemoryObject(env, std::move(mapping));
}

}  // namespace

void InitSharedMemoryBindings(Napi::Env env, Napi::Object exports) {
  AddonState* state = AddonState::Get(env);
  Napi::Function constructor = SharedMemoryObject::Define(env);
  state->shared_memory_class = Napi::Persistent(constructor);
  exports.Set("createSharedMemory",
              Napi::Function::New(env, CreateSharedMemoryBinding));
  exports.Set("mapSharedMemory",
              Napi::Function::New(env, MapSharedMemoryBinding));
  exports.Set("typedArrayAddress", Napi::Function::New(env, TypedArrayAddress));
}

}  // namespace rendezvous
