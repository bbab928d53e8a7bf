// Mapping memory entries, and checking those a peer sent: see
// mac/memory_entry.h.
//
// A received entry is only mapped if touching any byte of the mapping can
// never fault, the guarantee Linux gets from memfd seals: the kernel refuses
// to map more than the entry holds, and every object behind the mapping must
// be neither purgeable (the kernel may empty it, and then a touch faults) nor
// backed by a file (which can be truncated under the mapping).
#include "mac/memory_entry.h"

#include <string>

#include "mac/mach_error.h"
#include "mac/mach_vm.h"

namespace rendezvous::mac {

namespace {

Error Unsafe(const char* what, const std::string& why) {
  return Error::Make(
      codes::kInvalidRight,
      std::string("The ") + what + " cannot be mapped safely: " + why);
}

// Checks every map entry in [address, address + size). The short submap
// info walks each object's shadow chain for external (file) pagers without
// visiting every page, so it stays cheap for large regions. A copy-on-write
// mapping's own object is a copy that shadows the entry's: the walk reaches
// the entry's object through it, and the kernel never delays the copy of a
// purgeable object (it copies those when mapping), so the top object is the
// one whose purgeable state matters.
bool CheckCannotFault(mach_vm_address_t address,
                      uint64_t size,
                      const char* what,
                      Error* error) {
  const std::string inspect =
      std::string("Could not inspect the mapping of a ") + what;
  const mach_vm_address_t end = address + size;
  mach_vm_address_t cursor = address;
  while (cursor < end) {
    mach_vm_address_t region = cursor;
    mach_vm_size_t region_size = 0;
    natural_t depth = 0;  // report submaps, do not descend into them
    vm_region_submap_short_info_data_64_t info{};
    mach_msg_type_number_t count = VM_REGION_SUBMAP_SHORT_INFO_COUNT_64;
    kern_return_t kr = mach_vm_region_recurse(
        mach_task_self(), &region, &region_size, &depth,
        reinterpret_cast<vm_region_recurse_info_t>(&info), &count);
    if (kr != KERN_SUCCESS) {
      *error = MachError("mach_vm_region_recurse", kr, inspect);
      return false;
    }
    if (region > cursor || region_size == 0) {
      *error = Unsafe(what, "its mapping has a hole");
      return false;
    }
    if (info.is_submap) {
      *error = Unsafe(what, "it is a submap");
      return false;
    }
    if (info.external_pager) {
      *error = Unsafe(what, "it is backed by a file");
      return false;
    }
    // Answers KERN_INVALID_ARGUMENT for an object that is not purgeable.
    // A state other than "deny" means the kernel may empty the object.
    int state = 0;
    kr = mach_vm_purgable_control(mach_task_self(), cursor,
                                  VM_PURGABLE_GET_STATE, &state);
    if (kr == KERN_SUCCESS &&
        (state & VM_PURGABLE_STATE_MASK) != VM_PURGABLE_DENY) {
      *error = Unsafe(what, "it is purgeable");
      return false;
    }
    if (kr != KERN_SUCCESS && kr != KERN_INVALID_ARGUMENT) {
      *error = MachError("mach_vm_purgable_control", kr, inspect,
                         codes::kInvalidRight);
      return false;
    }
    cursor = region + region_size;
  }
  return true;
}

}  // namespace

kern_return_t CreateNamedEntry(uint64_t size, ScopedMachSendRight* entry) {
  memory_object_size_t entry_size = size;
  return mach_make_memory_entry_64(mach_task_self(), &entry_size, 0,
                                   MAP_MEM_NAMED_CREATE | kReadWrite,
                                   entry->receive(), MACH_PORT_NULL);
}

kern_return_t MapEntry(mach_port_t entry,
                       uint64_t size,
                       MappingSharing sharing,
                       mach_vm_address_t* address) {
  *address = 0;
  const boolean_t copy = sharing == MappingSharing::kCopyOnWrite;
  return mach_vm_map(mach_task_self(), address, size, 0, VM_FLAGS_ANYWHERE,
                     entry, 0, copy, kReadWrite, kReadWrite, VM_INHERIT_NONE);
}

// The kernel rounds the range out to the pages mach_vm_map mapped.
MachMapping::~MachMapping() {
  mach_vm_deallocate(mach_task_self(), address_, size_);
}

bool MapReceivedEntry(int64_t handle,
                      uint64_t size,
                      MappingSharing sharing,
                      const char* what,
                      mach_vm_address_t* address,
                      Error* error) {
  if (handle <= 0 || handle > UINT32_MAX ||
      !MACH_PORT_VALID(static_cast<mach_port_t>(handle))) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a memory entry: " + std::to_string(handle));
    return false;
  }
  if (!CheckSharedMemorySize(size, error))
    return false;
  // Fails for a right that is not a memory entry (KERN_INVALID_OBJECT), for
  // one that does not allow read-write (KERN_INVALID_RIGHT), and for one
  // smaller than the stated size (KERN_INVALID_ARGUMENT), whether shared or
  // copy-on-write: the kernel checks the entry before it maps or copies
  // anything. A larger entry is mapped in part: its size cannot be asked
  // for, only bounded below.
  kern_return_t kr =
      MapEntry(static_cast<mach_port_t>(handle), size, sharing, address);
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_vm_map", kr,
                       std::string("Could not map a ") + what + " of the " +
                           std::to_string(size) + " bytes its sender stated",
                       codes::kInvalidRight);
    return false;
  }
  if (!CheckCannotFault(*address, size, what, error)) {
    mach_vm_deallocate(mach_task_self(), *address, size);
    return false;
  }
  return true;
}

}  // namespace rendezvous::mac
