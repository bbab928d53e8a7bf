// Views in place on Windows: not supported. A view can only be mapped over
// an address range reserved as a placeholder (VirtualAlloc2 with
// MEM_RESERVE_PLACEHOLDER); the memory a JS runtime allocates is ordinary
// committed memory, which no call can replace with a section's view. Views
// then copy, as the JS layer does wherever InPlaceMappingSupported() is
// false.
#include <windows.h>

#include "core/shared_memory.h"

namespace rendezvous {

namespace {

Error Unsupported() {
  return Error::Make(codes::kZeroCopyUnavailable,
                     "Windows cannot map a shared memory region over memory "
                     "it did not reserve as a placeholder: views copy here");
}

}  // namespace

// The allocation granularity (64 KiB), not the 4 KiB page: views of a
// section start only on its multiples, so it is the unit any mapping in
// place would have to use.
uint64_t SharedMemoryPageSize() {
  static const uint64_t granularity = [] {
    SYSTEM_INFO info;
    ::GetSystemInfo(&info);
    return static_cast<uint64_t>(info.dwAllocationGranularity);
  }();
  return granularity;
}

bool InPlaceMappingSupported() {
  return false;
}

bool MapOver(const SharedMemoryMapping& /*mapping*/,
             uint8_t* /*address*/,
             Error* error) {
  *error = Unsupported();
  return false;
}

bool RestorePrivatePages(uint8_t* /*address*/,
                         uint64_t /*length*/,
                         Error* error) {
  *error = Unsupported();
  return false;
}

}  // namespace rendezvous
