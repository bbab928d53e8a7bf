// Views in place on macOS: the region's memory entry mapped with
// VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE over pages of an allocation this
// process owns, and fresh anonymous memory mapped back over them the same
// way before that allocation is freed.
#include <mach/mach.h>

#include <string>

#include "core/shared_memory.h"
#include "mac/mach_error.h"
#include "mac/mach_vm.h"

extern "C" {
// Allocates zero-filled anonymous memory in `target` (libSystem's MIG
// stub; the prototype is the SDK's, for SDKs whose headers lack it).
kern_return_t mach_vm_allocate(vm_map_t target,
                               mach_vm_address_t* address,
                               mach_vm_size_t size,
                               int flags);
}

namespace rendezvous {

namespace {

constexpr vm_prot_t kReadWrite = VM_PROT_READ | VM_PROT_WRITE;

uint64_t RoundUpToPages(uint64_t size) {
  const uint64_t page = SharedMemoryPageSize();
  return (size + page - 1) / page * page;
}

}  // namespace

uint64_t SharedMemoryPageSize() {
  return static_cast<uint64_t>(vm_page_size);
}

bool InPlaceMappingSupported() {
  return true;
}

bool MapOver(const SharedMemoryMapping& mapping,
             uint8_t* address,
             Error* error) {
  mach_vm_address_t target =
      static_cast<mach_vm_address_t>(reinterpret_cast<uintptr_t>(address));
  if (target % SharedMemoryPageSize() != 0) {
    *error = Error::Make(codes::kInvalidArgument,
                         "A view in place needs a page-aligned address");
    return false;
  }
  const mach_vm_size_t length = RoundUpToPages(mapping.size());
  const bool copy_on_write = mapping.sharing() == MappingSharing::kCopyOnWrite;
  kern_return_t kr;
  if (copy_on_write) {
    // A copy-on-write snapshot of this process's own mapping, not a second
    // mapping of the entry: the view then shows exactly the bytes that
    // mapping shows, and an entry the kernel copies eagerly when mapped
    // copy-on-write (one made by MAP_MEM_NAMED_CREATE, which a peer may
    // send) is not copied a second time.
    vm_prot_t current = VM_PROT_NONE;
    vm_prot_t maximum = VM_PROT_NONE;
    kr = mach_vm_remap(mach_task_self(), &target, length, 0,
                       VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, mach_task_self(),
                       static_cast<mach_vm_address_t>(
                           reinterpret_cast<uintptr_t>(mapping.data())),
                       TRUE, &current, &maximum, VM_INHERIT_NONE);
    if (kr == KERN_SUCCESS && (current & kReadWrite) != kReadWrite) {
      // A view JS could not write would fault: put private pages back.
      Error ignored;
      (void)RestorePrivatePages(address, length, &ignored);
      *error = Error::Make(codes::kZeroCopyUnavailable,
                           "mach_vm_remap gave a view in place without "
                           "read-write access");
      return false;
    }
  } else {
    kr = mach_vm_map(mach_task_self(), &target, length, 0,
                     VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE,
                     static_cast<mem_entry_name_port_t>(mapping.handle()), 0,
                     FALSE, kReadWrite, kReadWrite, VM_INHERIT_NONE);
  }
  if (kr != KERN_SUCCESS) {
    *error = MachError(copy_on_write ? "mach_vm_remap" : "mach_vm_map", kr,
                       "Could not map a shared memory region in place");
    return false;
  }
  if (target != reinterpret_cast<uintptr_t>(address)) {
    // VM_FLAGS_FIXED never moves a mapping; if it did, drop what it made.
    mach_vm_deallocate(mach_task_self(), target, length);
    *error = Error::Make(codes::kZeroCopyUnavailable,
                         "mach_vm_map placed a view in place elsewhere");
    return false;
  }
  return true;
}

bool RestorePrivatePages(uint8_t* address, uint64_t length, Error* error) {
  mach_vm_address_t target =
      static_cast<mach_vm_address_t>(reinterpret_cast<uintptr_t>(address));
  kern_return_t kr =
      mach_vm_allocate(mach_task_self(), &target, RoundUpToPages(length),
                       VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE);
  if (kr != KERN_SUCCESS || target != reinterpret_cast<uintptr_t>(address)) {
    *error = MachError("mach_vm_allocate", kr,
                       "Could not map private pages back under a view");
    return false;
  }
  return true;
}

}  // namespace rendezvous
