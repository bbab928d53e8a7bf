// Channel message bodies out of line on macOS. The sender copies the data
// into a memory entry made for the message, through a mapping it removes
// again at once, and sends the entry's send right (releasing its own once
// the message holds one): from then on nothing in the sender can write the
// body, the nearest macOS comes to a memfd's write seal. The receiver
// checks the entry as it checks a region (mac/memory_entry.cc) and maps it
// copy-on-write, so its own writes never reach the entry.
//
// How the entry is made matters to the receiver. An entry made with
// MAP_MEM_NAMED_CREATE (a region's) holds an object the kernel never copies
// lazily: mapping it copy-on-write copies every page there and then. An
// internal object made by mach_memory_object_memory_entry_64 is copied
// lazily instead (the kernel's delayed copy): the receiver's mapping shares
// the pages until one side writes one, and a page the sender writes while
// a receiver still maps the body is first copied for that receiver, which
// so keeps seeing the bytes as they were when it mapped them.
#include "mac/message_body.h"

#include <mach/mach.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "core/channel_transport.h"
#include "core/large_copy.h"
#include "core/shared_memory.h"
#include "mac/mach_error.h"
#include "mac/mach_vm.h"
#include "mac/memory_entry.h"

namespace rendezvous {

namespace mac {

namespace {

// Bodies are made in whole pages of the largest page size a Mac has (16 KiB
// on Apple silicon, where a process may still use 4 KiB ones), so a
// receiver of any page size can map all of the pages the body's bytes end
// in (a view in place maps whole pages of it).
uint64_t RoundUpToBodyPages(uint64_t size) {
  const uint64_t page = std::max<uint64_t>(vm_page_size, 16 * 1024);
  return (size + page - 1) / page * page;
}

}  // namespace

bool CreateMappedBodyEntry(uint64_t size,
                           const char* what,
                           ScopedMachSendRight* entry,
                           mach_vm_address_t* address,
                           Error* error) {
  if (!CheckSharedMemorySize(size, error))
    return false;
  const uint64_t entry_size = RoundUpToBodyPages(size);
  ScopedMachSendRight host(mach_host_self());
  kern_return_t kr = mach_memory_object_memory_entry_64(
      host.get(), /*internal=*/TRUE, entry_size, kReadWrite, MEMORY_OBJECT_NULL,
      entry->receive());
  // Where a sandbox refuses that call, a region's kind of entry still
  // carries the body, at the cost of the receiver's copy when it maps it.
  if (kr != KERN_SUCCESS)
    kr = CreateNamedEntry(entry_size, entry);
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_make_memory_entry_64", kr,
                       std::string("Could not create ") + what + " of " +
                           std::to_string(size) + " bytes");
    return false;
  }
  kr = MapEntry(entry->get(), size, MappingSharing::kShared, address);
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_vm_map", kr,
                       std::string("Could not map ") + what + " of " +
                           std::to_string(size) + " bytes");
    entry->reset();
    return false;
  }
  return true;
}

bool CreateMemoryEntryBody(const uint8_t* data,
                           uint64_t size,
                           OwnedHandle* body,
                           Error* error) {
  ScopedMachSendRight entry;
  mach_vm_address_t address;
  if (!CreateMappedBodyEntry(size, "the body of a channel message", &entry,
                             &address, error)) {
    return false;
  }
  // The one copy a send makes; the mapping goes with it.
  CopyBytes(reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(address)), data,
            static_cast<size_t>(size));
  mach_vm_deallocate(mach_task_self(), address, size);
  *body = OwnedHandle(entry.release(), RightKind::kSharedMemory);
  return true;
}

}  // namespace mac

std::unique_ptr<SharedMemoryMapping> MapOutOfLineBody(OwnedHandle* body,
                                                      uint64_t size,
                                                      Error* error) {
  // Any other kind a frame's record may claim is carried as something else
  // (a fileport opened as a descriptor, a receive right): its number, taken
  // as a port name, could name another right of this task.
  if (body->kind() != RightKind::kSharedMemory) {
    *error = Error::Make(codes::kInvalidRight,
                         "The out-of-line body is not a memory entry");
    return nullptr;
  }
  mach_vm_address_t address;
  if (!mac::MapReceivedEntry(body->get(), size, MappingSharing::kCopyOnWrite,
                             "message body", &address, error)) {
    return nullptr;  // `*body` stays the caller's
  }
  // Only the announced bytes (to a whole page) are mapped, however large
  // the entry is. Releasing a memory entry's send right never blocks, so
  // the mapping owns it from here.
  return std::make_unique<mac::MachMapping>(
      ScopedMachSendRight(static_cast<mach_port_t>(body->release())), address,
      size, MappingSharing::kCopyOnWrite);
}

}  // namespace rendezvous
