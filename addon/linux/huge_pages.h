// Transparent huge pages, asked for where new memory is about to be touched
// whole: on a virtual machine a page fault costs more than copying its
// page, and one fault of a huge page maps 2 MiB instead of 4 KiB.
#ifndef ADDON_LINUX_HUGE_PAGES_H_
#define ADDON_LINUX_HUGE_PAGES_H_

#include <cstddef>
#include <cstdint>

namespace rendezvous {

// Marks the whole 2 MiB extents inside [begin, begin + size) MADV_HUGEPAGE,
// so that later faults there may take huge pages; nothing outside the range
// changes, and no byte does. A hint: where the kernel refuses, or offers no
// huge pages, nothing happens.
void AllowHugePages(uint8_t* begin, size_t size);

}  // namespace rendezvous

#endif  // ADDON_LINUX_HUGE_PAGES_H_
