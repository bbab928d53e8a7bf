#include "napi/outgoing_handle_args.h"

#include <string>

#include "core/channel_frames.h"
#include "core/seam/handles.h"
#include "core/shared_memory.h"
#include "napi/js_args.h"
#include "napi/js_error.h"
#include "napi/shared_memory_bindings.h"

namespace rendezvous {

namespace {

class BackendHandles : public HandleSystem {
 public:
  bool CheckFds(const std::vector<RightSpec>& fds, Error* error) override {
    return CheckRights(fds, error);
  }
  bool MarkMovedFdsCloseOnExec(const std::vector<RightSpec>& fds,
                               Error* error) override {
    return rendezvous::MarkMovedFdsCloseOnExec(fds, error);
  }
  bool Duplicate(int64_t handle,
                 RightKind kind,
                 OwnedHandle* copy,
                 Error* error) override {
    return DuplicateHandle(handle, kind, copy, error);
  }
};

// {handle, kind, byteLength, move}: a handle the caller names by number.
bool ReadPlainHandle(Napi::Env env,
                     const Napi::Object& object,
                     OutgoingHandle* out) {
  int64_t handle, kind, byte_length;
  Napi::Value move = object.Get("move");
  if (env.IsExceptionPending() ||
      !GetInteger(object.Get("handle"), "handle", 0, UINT32_MAX, &handle) ||
      !GetInteger(object.Get("kind"), "kind", 0, kMaxRightKind, &kind) ||
      !GetInteger(object.Get("byteLength"), "byteLength", 0,
                  static_cast<int64_t>(kMaxSharedMemoryBytes), &byte_length)) {
    return false;
  }
  auto right = static_cast<RightKind>(kind);
  auto length = static_cast<uint64_t>(byte_length);
  *out = move.ToBoolean().Value() ? OutgoingHandle::Move(handle, right, length)
                                  : OutgoingHandle::Copy(handle, right, length);
  return true;
}

bool ReadHandle(Napi::Env env,
                const Napi::Value& item,
                EndOfObject end_of,
                const TransferableEnd* sender,
                OutgoingHandle* out) {
  if (!item.IsObject()) {
    ThrowJsError(env, Error::Type(codes::kInvalidRight,
                                  "each handle must be an object"));
    return false;
  }
  Napi::Object object = item.As<Napi::Object>();
  if (TransferableEnd* end = end_of(env, object)) {
    if (end == sender) {
      ThrowJsError(env,
                   Error::Type(codes::kInvalidRight,
                               "A channel end cannot be sent over itself"));
      return false;
    }
    *out = OutgoingHandle::HandOver(end);
    return true;
  }
  const SharedMemoryMapping* mapping = nullptr;
  if (UnwrapSharedMemory(env, object, &mapping)) {
    if (mapping == nullptr) {
      ThrowJsError(env, Error::Make(codes::kClosed,
                                    "The shared memory region is closed"));
      return false;
    }
    // The region keeps its own handle; the message carries a duplicate.
    *out = OutgoingHandle::Copy(mapping->handle(), RightKind::kSharedMemory,
                                mapping->size());
    return true;
  }
  return ReadPlainHandle(env, object, out);
}

}  // namespace

bool ReadOutgoingHandles(Napi::Env env,
                         const Napi::Value& value,
                         EndOfObject end_of,
                         const TransferableEnd* sender,
                         std::vector<OutgoingHandle>* out) {
  if (value.IsUndefined())
    return true;
  if (!value.IsArray()) {
    ThrowJsError(
        env, Error::Type(codes::kInvalidArgument, "handles must be an array"));
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() > frames::kMaxHandlesPerMessage) {
    ThrowJsError(
        env, Error::Range(codes::kTooManyRights,
                          "A message carries at most " +
                              std::to_string(frames::kMaxHandlesPerMessage) +
                              " handles"));
    return false;
  }
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    OutgoingHandle handle;
    if (env.IsExceptionPending() ||
        !ReadHandle(env, item, end_of, sender, &handle)) {
      return false;
    }
    out->push_back(handle);
  }
  return true;
}

HandleSystem& SystemHandles() {
  static BackendHandles handles;
  return handles;
}

}  // namespace rendezvous
