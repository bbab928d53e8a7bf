// Shared memory on macOS: an anonymous named memory entry, mapped shared.
// The entry's send right is the region's handle; the kernel keeps the
// entry's size, which can never change. Mapping one a peer sent, and the
// checks that come first, are mac/memory_entry.cc's.
#include "core/shared_memory.h"

#include <mach/mach.h>

#include <string>

#include "mac/mach_error.h"
#include "mac/memory_entry.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous {

std::unique_ptr<SharedMemoryMapping> CreateSharedMemory(uint64_t size,
                                                        Error* error) {
  if (!CheckSharedMemorySize(size, error))
    return nullptr;
  ScopedMachSendRight entry;
  kern_return_t kr = mac::CreateNamedEntry(size, &entry);
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_make_memory_entry_64", kr,
                       "Could not create a shared memory region of " +
                           std::to_string(size) + " bytes");
    return nullptr;
  }
  mach_vm_address_t address;
  kr = mac::MapEntry(entry.get(), size, MappingSharing::kShared, &address);
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_vm_map", kr,
                       "Could not map a shared memory region of " +
                           std::to_string(size) + " bytes");
    return nullptr;
  }
  return std::make_unique<mac::MachMapping>(std::move(entry), address, size,
                                            MappingSharing::kShared);
}

std::unique_ptr<SharedMemoryMapping> MapSharedMemory(OwnedHandle region,
                                                     uint64_t byte_length,
                                                     Error* error) {
  mach_vm_address_t address;
  if (!mac::MapReceivedEntry(region.get(), byte_length, MappingSharing::kShared,
                             "shared memory region", &address, error)) {
    return nullptr;  // `region` is released as this returns
  }
  return std::make_unique<mac::MachMapping>(
      ScopedMachSendRight(static_cast<mach_port_t>(region.release())), address,
      byte_length, MappingSharing::kShared);
}

// Nothing to ready: macOS gives anonymous memory no larger pages on request.
void PrepareCopyDestination(uint8_t*, size_t) {}

}  // namespace rendezvous
