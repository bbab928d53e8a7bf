// One OS handle this process owns, of a known kind, released on destruction
// (ReleaseReceivedRight) unless given up. Used for the handles a channel
// message carries in either direction, and for what a peer sent: those are
// released through a DeferredRelease, off the thread that drops them.
#ifndef ADDON_CORE_OWNED_HANDLE_H_
#define ADDON_CORE_OWNED_HANDLE_H_

#include <cstdint>
#include <utility>

#include "core/right.h"

namespace rendezvous {

class DeferredRelease;

class OwnedHandle {
 public:
  OwnedHandle() = default;
  OwnedHandle(int64_t handle, RightKind kind, uint64_t byte_length = 0)
      : handle_(handle), kind_(kind), byte_length_(byte_length) {}
  OwnedHandle(OwnedHandle&& other) noexcept
      : handle_(other.release()),
        kind_(other.kind_),
        byte_length_(other.byte_length_),
        through_(other.through_) {}
  OwnedHandle& operator=(OwnedHandle&& other) noexcept {
    reset();
    kind_ = other.kind_;
    byte_length_ = other.byte_length_;
    through_ = other.through_;
    handle_ = other.release();
    return *this;
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() { reset(); }

  int64_t get() const { return handle_; }
  RightKind kind() const { return kind_; }
  uint64_t byte_length() const { return byte_length_; }
  bool is_valid() const { return handle_ >= 0; }

  // From now on released by `through`'s thread (nullptr: here again).
  void ReleaseThrough(DeferredRelease* through) { through_ = through; }
  void reset();
  [[nodiscard]] int64_t release() { return std::exchange(handle_, -1); }

 private:
  int64_t handle_ = -1;
  RightKind kind_ = RightKind::kFd;
  uint64_t byte_length_ = 0;
  DeferredRelease* through_ = nullptr;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_OWNED_HANDLE_H_
