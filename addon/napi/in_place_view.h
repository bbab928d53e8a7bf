// Views in place: a region's pages mapped over the interior of a
// SharedArrayBuffer that JS allocated, so a runtime that refuses external
// ArrayBuffers (Electron's V8 memory cage) still sees the region without a
// copy. See docs/security.md, "Views in place".
//
// The SharedArrayBuffer JS sees (the public one) and a second one sharing
// its backing store (the anchor, a structuredClone of it) come in together.
// The view holds the anchor strongly and watches the public one with a
// finalizer, so the allocation can only be freed after Release(): Release
// maps private pages back over the interior first, and only then lets the
// anchor go. Nothing here ever holds the public buffer, or its finalizer
// could never run.
//
// Thread use: the JS thread of the environment that made the view.
#ifndef ADDON_NAPI_IN_PLACE_VIEW_H_
#define ADDON_NAPI_IN_PLACE_VIEW_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <set>

#include "core/shared_memory.h"

namespace rendezvous {

class InPlaceViews;

class InPlaceView {
 public:
  InPlaceView(napi_env env,
              std::shared_ptr<const SharedMemoryMapping> mapping,
              uint8_t* interior,
              uint64_t length,
              InPlaceViews* registry);
  InPlaceView(const InPlaceView&) = delete;
  InPlaceView& operator=(const InPlaceView&) = delete;
  ~InPlaceView();

  // Private pages back over the interior, then the anchor let go (if the
  // pages could not be restored, the anchor is kept for ever instead).
  // Idempotent.
  void Release();

  // Takes the strong reference to the anchor (made before the mapping).
  void HoldAnchor(napi_ref anchor) { anchor_ = anchor; }
  // Tells V8 the mapping's size as external memory until Release(). The
  // buffer's own bytes are V8's but never touched; what the view holds is
  // the mapping, and often more than memory: a pooled message body its
  // sender may only reuse once the view is collected. Without this, V8
  // collects dropped views late and the sender falls back to new bodies,
  // several times slower to fill.
  void ReportMapped();
  uint8_t* interior() const { return interior_; }
  uint64_t length() const { return length_; }

 private:
  friend class InPlaceViews;
  napi_env env_;
  std::shared_ptr<const SharedMemoryMapping> mapping_;
  uint8_t* interior_;
  uint64_t length_;
  napi_ref anchor_ = nullptr;
  // The bytes told to V8 as external memory while mapped (ReportMapped).
  int64_t reported_ = 0;
  InPlaceViews* registry_;
  bool released_ = false;
};

// The views an environment has made and not released, released all at
// once when the environment is torn down (before V8 can free the buffers
// they sit in).
class InPlaceViews {
 public:
  InPlaceViews() = default;
  InPlaceViews(const InPlaceViews&) = delete;
  InPlaceViews& operator=(const InPlaceViews&) = delete;
  ~InPlaceViews() { ReleaseAll(); }

  // Whether [address, address + length) overlaps a live view's interior.
  bool Overlaps(const uint8_t* address, uint64_t length) const;
  void ReleaseAll();

 private:
  friend class InPlaceView;
  std::set<InPlaceView*> live_;
};

// Maps `mapping` over the interior of the SharedArrayBuffer under
// `public_bytes` (a Uint8Array over all of it) and returns a Uint8Array over
// exactly the region inside that buffer. `anchor_bytes` is a Uint8Array over
// a second SharedArrayBuffer sharing the same memory. On success `*view` is
// the owner (also kept by the public buffer's finalizer and by `registry`);
// on failure nothing stays mapped, an exception is pending and the result
// is empty.
Napi::Value MapInPlaceView(Napi::Env env,
                           std::shared_ptr<const SharedMemoryMapping> mapping,
                           const Napi::Value& public_bytes,
                           const Napi::Value& anchor_bytes,
                           InPlaceViews* registry,
                           std::shared_ptr<InPlaceView>* view);

// The address of a typed array's first byte, as a BigInt (for tests and
// diagnostics that match a view against /proc/self/maps).
Napi::Value TypedArrayAddress(const Napi::CallbackInfo& info);

}  // namespace rendezvous

#endif  // ADDON_NAPI_IN_PLACE_VIEW_H_
