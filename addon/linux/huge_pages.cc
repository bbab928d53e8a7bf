#include "linux/huge_pages.h"

#include <sys/mman.h>

namespace rendezvous {

void AllowHugePages(uint8_t* begin, size_t size) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  uintptr_t start = reinterpret_cast<uintptr_t>(begin);
  uintptr_t first = (start + kHugePage - 1) & ~(kHugePage - 1);
  uintptr_t last = (start + size) & ~(kHugePage - 1);
  if (last > first)
    (void)::madvise(reinterpret_cast<void*>(first), last - first,
                    MADV_HUGEPAGE);
}

}  // namespace rendezvous
