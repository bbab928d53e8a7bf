// Copies of many bytes (a region's read() and write(), a received
// message's copy, a pooled body's fill) split between the calling thread
// and one helper thread.
//
// One thread does not reach the machine's memory bandwidth, and a copy into
// new memory also pays for the kernel zeroing each new page. Measured on 2
// cores, 64 MiB: into warm pages 9.6 ms on one thread, 5.1 ms on two; into
// new huge pages 15.5 ms on one, 8.4 ms on two. Copies that stay in the
// caches gain nothing (16 MiB: 0.98-1.01x), and below 4 MiB a thread's
// start costs more than it saves.
//
// Thread use: any thread; the call returns once every byte is copied and
// the helper has ended, so nothing outlives it. Overlapping ranges and small
// copies are copied on the calling thread alone, and so is everything where
// the helper cannot start. Ranges that share pages through two mappings
// (a view in place and its region) are the caller's to avoid, as for
// memmove.
#ifndef ADDON_CORE_LARGE_COPY_H_
#define ADDON_CORE_LARGE_COPY_H_

#include <cstddef>
#include <cstdint>

namespace rendezvous {

// From this many bytes a copy is split: `node bench/split-copy.js` times
// both ways at each size; on 2 cores the gain starts at 32 MiB (1.2-1.4x)
// and grows to 1.5x at 64 MiB and 2x at 256 MiB for reads into new memory.
inline constexpr size_t kSplitCopyBytes = size_t{32} << 20;

// memmove(destination, source, size), on two threads where that pays: the
// calling thread copies up to CopySplitPoint(), then both take 2 MiB pieces
// of the rest until none is left. The helper starts off the calling
// thread's processor (StartCopyHelper), and not at all where this thread
// may run on one processor only.
void CopyBytes(uint8_t* destination, const uint8_t* source, size_t size);

// Where CopyBytes would split these ranges: the helper's share starts at
// this offset; 0 where they are not split. Exposed for its unit tests.
// ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES=off (read once) makes CopyBytes
// split nothing, and =unplaced start its helper wherever the scheduler
// puts it (core/seam/copy_helper.h says why it is placed), for a
// benchmark's baselines.
size_t CopySplitPoint(const uint8_t* destination,
                      const uint8_t* source,
                      size_t size);

}  // namespace rendezvous

#endif  // ADDON_CORE_LARGE_COPY_H_
