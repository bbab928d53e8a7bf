// Owners of Mach port rights: one type per kind of right, built on one
// generic move-only owner. The only place in the addon that releases a right.
#ifndef ADDON_MAC_SCOPED_MACH_PORT_H_
#define ADDON_MAC_SCOPED_MACH_PORT_H_

#include <mach/mach.h>

#include <utility>

namespace rendezvous {

template <typename Traits>
class ScopedMachRight {
 public:
  ScopedMachRight() = default;
  explicit ScopedMachRight(mach_port_t name) : name_(name) {}
  ScopedMachRight(ScopedMachRight&& other) noexcept : name_(other.release()) {}
  ScopedMachRight& operator=(ScopedMachRight&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ScopedMachRight(const ScopedMachRight&) = delete;
  ScopedMachRight& operator=(const ScopedMachRight&) = delete;
  ~ScopedMachRight() { reset(); }

  mach_port_t get() const { return name_; }
  bool is_valid() const { return MACH_PORT_VALID(name_); }
  explicit operator bool() const { return is_valid(); }

  void reset(mach_port_t name = MACH_PORT_NULL) {
    if (MACH_PORT_VALID(name_))
      Traits::Release(name_);
    name_ = name;
  }
  [[nodiscard]] mach_port_t release() {
    return std::exchange(name_, MACH_PORT_NULL);
  }
  // For out-parameters of Mach calls; the previous right is released first.
  mach_port_t* receive() {
    reset();
    return &name_;
  }

 private:
  mach_port_t name_ = MACH_PORT_NULL;
};

struct SendRightTraits {
  // Drops one user reference of a send or send-once right.
  static void Release(mach_port_t name) {
    mach_port_deallocate(mach_task_self(), name);
  }
};

struct ReceiveRightTraits {
  // Destroys the receive right (and with it the port).
  static void Release(mach_port_t name) {
    mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
  }
};

using ScopedMachSendRight = ScopedMachRight<SendRightTraits>;
// A send-once right is released the same way as a send right, but it is a
// different right: the type keeps them apart.
struct SendOnceRightTraits : SendRightTraits {};
using ScopedMachSendOnceRight = ScopedMachRight<SendOnceRightTraits>;
using ScopedMachReceiveRight = ScopedMachRight<ReceiveRightTraits>;

}  // namespace rendezvous

#endif  // ADDON_MAC_SCOPED_MACH_PORT_H_
