// One OS handle this process owns, of a known kind, released on destruction
// (ReleaseReceivedRight) unless given up. Used for the handles a channel
// message carries in either direction, and for what a peer sent: those are
// released through a DeferredRelease, off the thread that drops them.
#ifndef ADDON_CORE_OWNED_HANDLE_H_
#define ADDON_CORE_OWNED_HANDLE_H_

#include <cstdint>

#include "core/right.h"
#include "core/scoped_generic.h"

namespace rendezvous {

class DeferredRelease;

// What a handle of any kind needs to be released: its kind, and the thread
// to release it on. They move with the handle.
struct OwnedHandleTraits {
  static int64_t InvalidValue() { return -1; }
  static bool IsValid(int64_t handle) { return handle >= 0; }
  void Free(int64_t handle) const;

  RightKind kind = RightKind::kFd;
  uint64_t byte_length = 0;
  DeferredRelease* through = nullptr;
};

// The generic owner with no reset(value) or receive(): a new handle could
// be of another kind, so it comes with its own OwnedHandle.
class OwnedHandle : private ScopedGeneric<int64_t, OwnedHandleTraits> {
  using Owner = ScopedGeneric<int64_t, OwnedHandleTraits>;

 public:
  OwnedHandle() = default;
  OwnedHandle(int64_t handle, RightKind kind, uint64_t byte_length = 0)
      : Owner(handle, {kind, byte_length, nullptr}) {}

  using Owner::get;
  using Owner::is_valid;
  using Owner::release;
  RightKind kind() const { return traits().kind; }
  uint64_t byte_length() const { return traits().byte_length; }

  // From now on released by `through`'s thread (nullptr: here again).
  void ReleaseThrough(DeferredRelease* through) {
    mutable_traits().through = through;
  }
  void reset() { Owner::reset(); }
};

}  // namespace rendezvous

#endif  // ADDON_CORE_OWNED_HANDLE_H_
