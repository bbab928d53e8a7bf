#include "napi/in_place_view.h"

#include <string>
#include <utility>

#include "core/debug_log.h"
#include "napi/js_error.h"

namespace rendezvous {

namespace {

struct BytesInfo {
  uint8_t* data = nullptr;
  size_t length = 0;
  size_t byte_offset = 0;
  napi_value buffer = nullptr;
};

Error Refused(const std::string& why) {
  return Error::Type(codes::kInvalidArgument, "A view in place needs " + why);
}

// A Uint8Array over all of a SharedArrayBuffer: never an ArrayBuffer, which
// JS could detach or transfer while the region is mapped inside it.
bool GetSharedBytes(napi_env env,
                    const Napi::Value& value,
                    const char* name,
                    BytesInfo* info,
                    Error* error) {
  bool is_typed_array = false;
  napi_typedarray_type type;
  void* data = nullptr;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok ||
      !is_typed_array ||
      napi_get_typedarray_info(env, value, &type, &info->length, &data,
                               &info->buffer, &info->byte_offset) != napi_ok ||
      type != napi_uint8_array || info->byte_offset != 0 || data == nullptr) {
    *error =
        Refused(std::string(name) + " to be a Uint8Array over a whole buffer");
    return false;
  }
  bool is_array_buffer = true;
  if (napi_is_arraybuffer(env, info->buffer, &is_array_buffer) != napi_ok ||
      is_array_buffer) {
    *error = Refused(std::string(name) + " to be over a SharedArrayBuffer");
    return false;
  }
  info->data = static_cast<uint8_t*>(data);
  return true;
}

void FinalizePublicBuffer(napi_env /*env*/, void* data, void* /*hint*/) {
  auto* owner = static_cast<std::shared_ptr<InPlaceView>*>(data);
  (*owner)->Release();
  delete owner;
}

// new Uint8Array(buffer, offset, length), checked to be a Uint8Array over
// `buffer` whose first byte is at `expected`.
bool NewRegionView(napi_env env,
                   napi_value buffer,
                   size_t offset,
                   size_t length,
                   const uint8_t* expected,
                   napi_value* result) {
  napi_value global = nullptr;
  napi_value constructor = nullptr;
  napi_value args[3] = {buffer, nullptr, nullptr};
  if (napi_get_global(env, &global) != napi_ok ||
      napi_get_named_property(env, global, "Uint8Array", &constructor) !=
          napi_ok ||
      napi_create_double(env, static_cast<double>(offset), &args[1]) !=
          napi_ok ||
      napi_create_double(env, static_cast<double>(length), &args[2]) !=
          napi_ok ||
      napi_new_instance(env, constructor, 3, args, result) != napi_ok) {
    return false;
  }
  bool is_typed_array = false;
  napi_typedarray_type type;
  size_t result_length = 0;
  void* data = nullptr;
  napi_value result_buffer = nullptr;
  bool same_buffer = false;
  return napi_is_typedarray(env, *result, &is_typed_array) == napi_ok &&
         is_typed_array &&
         napi_get_typedarray_info(env, *result, &type, &result_length, &data,
                                  &result_buffer, nullptr) == napi_ok &&
         type == napi_uint8_array && result_length == length &&
         data == expected &&
         napi_strict_equals(env, result_buffer, buffer, &same_buffer) ==
             napi_ok &&
         same_buffer;
}

uintptr_t RoundUp(uintptr_t value, uint64_t page) {
  return (value + page - 1) / page * page;
}

}  // namespace

InPlaceView::InPlaceView(napi_env env,
                         std::shared_ptr<const SharedMemoryMapping> mapping,
                         uint8_t* interior,
                         uint64_t length,
                         InPlaceViews* registry)
    : env_(env),
      mapping_(std::move(mapping)),
      interior_(interior),
      length_(length),
      registry_(registry) {
  registry_->live_.insert(this);
}

InPlaceView::~InPlaceView() {
  Release();
}

void InPlaceView::ReportMapped() {
  int64_t ignored = 0;
  if (napi_adjust_external_memory(env_, static_cast<int64_t>(length_),
                                  &ignored) == napi_ok) {
    reported_ = static_cast<int64_t>(length_);
  }
}

void InPlaceView::Release() {
  if (released_)
    return;
  released_ = true;
  if (reported_ != 0) {
    int64_t ignored = 0;
    (void)napi_adjust_external_memory(env_, -reported_, &ignored);
    reported_ = 0;
  }
  if (registry_ != nullptr)
    registry_->live_.erase(this);
  registry_ = nullptr;
  Error error;
  if (!RestorePrivatePages(interior_, length_, &error)) {
    // The interior may still show the region. Letting the anchor go would
    // let V8 free the allocation, and the allocator would then hand pages
    // that are the region to its next caller (or write its own metadata
    // into them): so the anchor is kept for ever, and the allocation with
    // it. Only this process's address space pays; the region itself stays
    // mapped here until exit.
    ProcessDebugLog()(
        "in-place view: could not restore private pages at %p (%s); its "
        "buffer is kept for the life of the process",
        static_cast<void*>(interior_), error.message.c_str());
    anchor_ = nullptr;
    return;
  }
  if (anchor_ != nullptr)
    napi_delete_reference(env_, anchor_);
  anchor_ = nullptr;
  mapping_.reset();
}

bool InPlaceViews::Overlaps(const uint8_t* address, uint64_t length) const {
  for (const InPlaceView* view : live_) {
    if (address < view->interior_ + view->length_ &&
        view->interior_ < address + length) {
      return true;
    }
  }
  return false;
}

void InPlaceViews::ReleaseAll() {
  while (!live_.empty())
    (*live_.begin())->Release();
}

namespace {

// Where a view goes: the two buffers, and the whole pages strictly inside
// the public one's bytes that the region's pages will replace.
struct Placement {
  BytesInfo shown;
  BytesInfo anchor;
  uint8_t* interior = nullptr;
  uint64_t length = 0;  // the region's size rounded up to whole pages
  size_t offset = 0;    // of `interior` in the public buffer
};

bool Place(napi_env env,
           uint64_t region_size,
           const Napi::Value& public_bytes,
           const Napi::Value& anchor_bytes,
           const InPlaceViews& registry,
           Placement* place,
           Error* error) {
  if (!GetSharedBytes(env, public_bytes, "the public bytes", &place->shown,
                      error) ||
      !GetSharedBytes(env, anchor_bytes, "the anchor", &place->anchor, error)) {
    return false;
  }
  // The anchor must be another buffer object over the same memory: the
  // same object would be held strongly, and its finalizer never run.
  bool same_object = true;
  if (place->anchor.data != place->shown.data ||
      place->anchor.length != place->shown.length ||
      napi_strict_equals(env, place->anchor.buffer, place->shown.buffer,
                         &same_object) != napi_ok ||
      same_object) {
    *error = Refused(
        "an anchor: another SharedArrayBuffer object sharing the public "
        "one's memory");
    return false;
  }
  // Only whole pages strictly inside the buffer's bytes: never the page
  // that holds the allocator's header before them, nor what follows them.
  const uint64_t page = SharedMemoryPageSize();
  const uint64_t length = RoundUp(region_size, page);
  const uintptr_t start = reinterpret_cast<uintptr_t>(place->shown.data);
  const uintptr_t interior_start = RoundUp(start, page);
  const uintptr_t end = start + place->shown.length;
  if (interior_start > end || end - interior_start < length) {
    *error = Refused("a SharedArrayBuffer of at least " +
                     std::to_string(length + page) + " bytes, not " +
                     std::to_string(place->shown.length));
    return false;
  }
  place->interior = reinterpret_cast<uint8_t*>(interior_start);
  place->length = length;
  place->offset = interior_start - start;
  if (registry.Overlaps(place->interior, length)) {
    *error = Refused("a SharedArrayBuffer no other view is in");
    return false;
  }
  return true;
}

}  // namespace

Napi::Value MapInPlaceView(Napi::Env env,
                           std::shared_ptr<const SharedMemoryMapping> mapping,
                           const Napi::Value& public_bytes,
                           const Napi::Value& anchor_bytes,
                           InPlaceViews* registry,
                           std::shared_ptr<InPlaceView>* view) {
  Error error;
  Placement place;
  if (!Place(env, mapping->size(), public_bytes, anchor_bytes, *registry,
             &place, &error)) {
    ThrowJsError(env, error);
    return Napi::Value();
  }
  const BytesInfo& shown = place.shown;
  uint8_t* interior = place.interior;
  // The anchor is held before anything is mapped, so the allocation can
  // never be freed while it shows the region.
  napi_ref anchor_ref = nullptr;
  if (napi_create_reference(env, place.anchor.buffer, 1, &anchor_ref) !=
      napi_ok) {
    ThrowJsError(env, Error::Make(codes::kSystem,
                                  "Could not hold a view's anchor buffer"));
    return Napi::Value();
  }
  auto owner = std::make_shared<InPlaceView>(env, mapping, interior,
                                             place.length, registry);
  owner->HoldAnchor(anchor_ref);
  if (!MapOver(*mapping, interior, &error)) {
    owner->Release();
    ThrowJsError(env, error);
    return Napi::Value();
  }
  owner->ReportMapped();
  // The view JS gets, over exactly the region, checked to start where the
  // region was mapped. (Node-API makes typed arrays over ArrayBuffers only,
  // so JS's own constructor makes it.)
  napi_value result = nullptr;
  if (!NewRegionView(env, shown.buffer, place.offset, mapping->size(), interior,
                     &result)) {
    owner->Release();
    if (env.IsExceptionPending())
      env.GetAndClearPendingException();
    ThrowJsError(env, Error::Make(codes::kZeroCopyUnavailable,
                                  "A view in place did not start where the "
                                  "region was mapped"));
    return Napi::Value();
  }
  // Collecting the public buffer (and so every view over it) releases the
  // view. A clone elsewhere keeps the memory, which then reads as zeros.
  auto* finalizer_owner = new std::shared_ptr<InPlaceView>(owner);
  if (napi_add_finalizer(env, shown.buffer, finalizer_owner,
                         FinalizePublicBuffer, nullptr, nullptr) != napi_ok) {
    delete finalizer_owner;
    owner->Release();
    if (env.IsExceptionPending())
      env.GetAndClearPendingException();
    ThrowJsError(
        env, Error::Make(codes::kSystem, "Could not watch a view's buffer"));
    return Napi::Value();
  }
  *view = std::move(owner);
  return Napi::Value(env, result);
}

Napi::Value TypedArrayAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool is_typed_array = false;
  void* data = nullptr;
  if (napi_is_typedarray(env, info[0], &is_typed_array) != napi_ok ||
      !is_typed_array ||
      napi_get_typedarray_info(env, info[0], nullptr, nullptr, &data, nullptr,
                               nullptr) != napi_ok) {
    ThrowJsError(
        env, Error::Type(codes::kInvalidArgument, "Expected a typed array"));
    return env.Undefined();
  }
  return Napi::BigInt::New(
      env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data)));
}

}  // namespace rendezvous
