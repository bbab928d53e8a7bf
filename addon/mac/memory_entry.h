// Memory entries as this backend maps them. A shared memory region and the
// body of a channel message sent out of line are both a memory entry's send
// right; they differ in how the entry is made (mac/shared_memory.cc,
// mac/message_body.cc) and in how a receiver maps it: a region shared, a
// body copy-on-write. Mapping one a peer sent, and the checks that make
// touching any byte of that mapping safe, are here once for both.
#ifndef ADDON_MAC_MEMORY_ENTRY_H_
#define ADDON_MAC_MEMORY_ENTRY_H_

#include <mach/mach.h>

#include <cstdint>
#include <optional>

#include "core/error.h"
#include "core/shared_memory.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous::mac {

inline constexpr vm_prot_t kReadWrite = VM_PROT_READ | VM_PROT_WRITE;

// A new anonymous, zero-filled object of `size` bytes (rounded up to whole
// pages) behind a named entry that may be mapped with at most `kReadWrite`
// (MAP_MEM_NAMED_CREATE), as `*entry`. The kernel never copies such an
// object lazily: a copy-on-write mapping of it copies every page at once.
kern_return_t CreateNamedEntry(uint64_t size, ScopedMachSendRight* entry);

// Maps the first `size` bytes of `entry` read-write, not inherited by forked
// children: shared (copy = FALSE maps the entry's object itself) or
// copy-on-write (copy = TRUE), as `sharing` says. `size` is not rounded on
// purpose: the kernel checks the entry holds offset + size bytes against the
// size as given, then maps whole pages.
kern_return_t MapEntry(mach_port_t entry,
                       uint64_t size,
                       MappingSharing sharing,
                       mach_vm_address_t* address);

// A memory entry mapped into this process, owning the entry's send right.
// Destroying it unmaps the entry and releases the right.
class MachMapping : public SharedMemoryMapping {
 public:
  MachMapping(ScopedMachSendRight entry,
              mach_vm_address_t address,
              uint64_t size,
              MappingSharing sharing)
      : entry_(std::move(entry)),
        address_(address),
        size_(size),
        sharing_(sharing) {}
  ~MachMapping() override;

  uint8_t* data() const override {
    return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(address_));
  }
  uint64_t size() const override { return size_; }
  int64_t handle() const override { return entry_.get(); }
  // Rights to one port arrive under one name in a task, so a peer sending
  // one entry many times is seen by its name. (Two entries made for the
  // same memory are two ports; the region budgets still bound them.)
  std::optional<RegionId> id() const override {
    return RegionId{0, static_cast<uint64_t>(entry_.get())};
  }
  MappingSharing sharing() const override { return sharing_; }

 private:
  ScopedMachSendRight entry_;
  mach_vm_address_t address_;
  uint64_t size_;
  MappingSharing sharing_;
};

// Maps `size` bytes of the memory entry a peer sent as `handle`, after
// checking, as untrusted, that it is a port name, that `size` is one a
// region may have, that the entry holds that many bytes, and that touching
// any byte of the mapping can never fault. `what` names the entry in
// errors ("shared memory region", "message body"). The right stays the
// caller's either way; on failure nothing stays mapped.
bool MapReceivedEntry(int64_t handle,
                      uint64_t size,
                      MappingSharing sharing,
                      const char* what,
                      mach_vm_address_t* address,
                      Error* error);

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_MEMORY_ENTRY_H_
