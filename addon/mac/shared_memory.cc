// Shared memory on macOS: an anonymous named memory entry, mapped shared.
// The entry's send right is the region's handle; the kernel keeps the
// entry's size, which can never change.
//
// A received entry is only mapped if touching any byte of the mapping can
// never fault, the guarantee Linux gets from memfd seals: the kernel refuses
// to map more than the entry holds, and every object behind the mapping must
// be neither purgeable (the kernel may empty it, and then a touch faults) nor
// backed by a file (which can be truncated under the mapping).
#include "core/shared_memory.h"

#include <mach/mach.h>

#include <string>

#include "mac/mach_error.h"
#include "mac/mach_vm.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous {

namespace {

constexpr vm_prot_t kReadWrite = VM_PROT_READ | VM_PROT_WRITE;

class MachMapping : public SharedMemoryMapping {
 public:
  MachMapping(ScopedMachSendRight entry,
              mach_vm_address_t address,
              uint64_t size)
      : entry_(std::move(entry)), address_(address), size_(size) {}
  // The kernel rounds the range out to the pages mach_vm_map mapped.
  ~MachMapping() override {
    mach_vm_deallocate(mach_task_self(), address_, size_);
  }

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

 private:
  ScopedMachSendRight entry_;
  mach_vm_address_t address_;
  uint64_t size_;
};

// Maps the first `size` bytes of `entry` read-write, shared (copy = FALSE
// maps the entry's object itself), and not inherited by forked children.
// `size` is not rounded here on purpose: the kernel checks the entry holds
// offset + size bytes against the size as given, then maps whole pages.
kern_return_t MapEntry(mach_port_t entry,
                       uint64_t size,
                       mach_vm_address_t* address) {
  *address = 0;
  return mach_vm_map(mach_task_self(), address, size, 0, VM_FLAGS_ANYWHERE,
                     entry, 0, FALSE, kReadWrite, kReadWrite, VM_INHERIT_NONE);
}

Error Unsafe(const std::string& why) {
  return Error::Make(
      codes::kInvalidRight,
      "The shared memory region cannot be mapped safely: " + why);
}

// Checks every map entry in [address, address + size). The short submap
// info walks each object's shadow chain for external (file) pagers without
// visiting every page, so it stays cheap for large regions.
bool CheckCannotFault(mach_vm_address_t address, uint64_t size, Error* error) {
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
      *error = MachError("mach_vm_region_recurse", kr,
                         "Could not inspect a shared memory mapping");
      return false;
    }
    if (region > cursor || region_size == 0) {
      *error = Unsafe("its mapping has a hole");
      return false;
    }
    if (info.is_submap) {
      *error = Unsafe("it is a submap");
      return false;
    }
    if (info.external_pager) {
      *error = Unsafe("it is backed by a file");
      return false;
    }
    // Answers KERN_INVALID_ARGUMENT for an object that is not purgeable.
    // A state other than "deny" means the kernel may empty the object.
    int state = 0;
    kr = mach_vm_purgable_control(mach_task_self(), cursor,
                                  VM_PURGABLE_GET_STATE, &state);
    if (kr == KERN_SUCCESS &&
        (state & VM_PURGABLE_STATE_MASK) != VM_PURGABLE_DENY) {
      *error = Unsafe("it is purgeable");
      return false;
    }
    if (kr != KERN_SUCCESS && kr != KERN_INVALID_ARGUMENT) {
      *error = MachError("mach_vm_purgable_control", kr,
                         "Could not inspect a shared memory mapping",
                         codes::kInvalidRight);
      return false;
    }
    cursor = region + region_size;
  }
  return true;
}

}  // namespace

std::unique_ptr<SharedMemoryMapping> CreateSharedMemory(uint64_t size,
                                                        Error* error) {
  if (!CheckSharedMemorySize(size, error))
    return nullptr;
  // MAP_MEM_NAMED_CREATE makes a new anonymous, zero-filled object of the
  // page-rounded size; the entry may be mapped with at most `kReadWrite`.
  ScopedMachSendRight entry;
  memory_object_size_t entry_size = size;
  kern_return_t kr = mach_make_memory_entry_64(
      mach_task_self(), &entry_size, 0, MAP_MEM_NAMED_CREATE | kReadWrite,
      entry.receive(), MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_make_memory_entry_64", kr,
                       "Could not create a shared memory region of " +
                           std::to_string(size) + " bytes");
    return nullptr;
  }
  mach_vm_address_t address;
  kr = MapEntry(entry.get(), size, &address);
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_vm_map", kr,
                       "Could not map a shared memory region of " +
                           std::to_string(size) + " bytes");
    return nullptr;
  }
  return std::make_unique<MachMapping>(std::move(entry), address, size);
}

std::unique_ptr<SharedMemoryMapping> MapSharedMemory(OwnedHandle region,
                                                     uint64_t byte_length,
                                                     Error* error) {
  int64_t handle = region.get();
  if (handle <= 0 || handle > UINT32_MAX ||
      !MACH_PORT_VALID(static_cast<mach_port_t>(handle))) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a memory entry: " + std::to_string(handle));
    return nullptr;
  }
  ScopedMachSendRight entry(static_cast<mach_port_t>(region.release()));
  if (!CheckSharedMemorySize(byte_length, error))
    return nullptr;
  // Fails for a right that is not a memory entry (KERN_INVALID_OBJECT), for
  // one that does not allow read-write (KERN_INVALID_RIGHT), and for one
  // smaller than the stated length (KERN_INVALID_ARGUMENT). A larger entry
  // is mapped in part: its size cannot be asked for, only bounded below.
  mach_vm_address_t address;
  kern_return_t kr = MapEntry(entry.get(), byte_length, &address);
  if (kr != KERN_SUCCESS) {
    *error =
        MachError("mach_vm_map", kr,
                  "Could not map a shared memory region of the " +
                      std::to_string(byte_length) + " bytes its sender stated",
                  codes::kInvalidRight);
    return nullptr;
  }
  // Owned from here, so a refused mapping is unmapped again.
  auto mapping =
      std::make_unique<MachMapping>(std::move(entry), address, byte_length);
  if (!CheckCannotFault(address, byte_length, error))
    return nullptr;
  return mapping;
}

// Nothing to ready: macOS gives anonymous memory no larger pages on request.
void PrepareCopyDestination(uint8_t*, size_t) {}

}  // namespace rendezvous
