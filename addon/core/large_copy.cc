#include "core/large_copy.h"

#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/seam/copy_helper.h"

namespace rendezvous {

namespace {

constexpr uintptr_t kHugePage = uintptr_t{2} << 20;

// One split copy, shared by the calling thread and the helper while the
// calling thread waits for the helper to finish. The range past `split` is
// handed out in 2 MiB pieces from `next_piece`, to whichever thread asks
// first: a helper that starts late, or runs on a slower core, leaves its
// pieces to the calling thread instead of making it wait for them.
struct SplitCopy {
  uint8_t* destination;
  const uint8_t* source;
  size_t size;
  size_t split;
  std::atomic<size_t> next_piece{0};

  // Copies pieces until none is left.
  void CopyPieces() {
    for (;;) {
      size_t piece = next_piece.fetch_add(1, std::memory_order_relaxed);
      size_t begin = split + piece * kHugePage;
      if (begin >= size)
        return;
      size_t length = std::min<size_t>(kHugePage, size - begin);
      std::memcpy(destination + begin, source + begin, length);
    }
  }
};

void CopyPiecesOnThread(void* argument) {
  static_cast<SplitCopy*>(argument)->CopyPieces();
}

bool Overlap(const uint8_t* a, const uint8_t* b, size_t size) {
  auto x = reinterpret_cast<uintptr_t>(a);
  auto y = reinterpret_cast<uintptr_t>(b);
  return x < y ? y - x < size : x - y < size;
}

// ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES, read once: "off" splits nothing,
// "unplaced" starts the helper wherever the scheduler puts it; both exist
// so a benchmark has its baselines (bench/split-copy.js).
enum class SplitMode { kPlaced, kUnplaced, kOff };

SplitMode SplitCopies() {
  static const SplitMode mode = [] {
    const char* value = std::getenv("ELECTRON_PORT_RENDEZVOUS_SPLIT_COPIES");
    if (value != nullptr && std::strcmp(value, "off") == 0)
      return SplitMode::kOff;
    if (value != nullptr && std::strcmp(value, "unplaced") == 0)
      return SplitMode::kUnplaced;
    return SplitMode::kPlaced;
  }();
  return mode;
}

}  // namespace

size_t CopySplitPoint(const uint8_t* destination,
                      const uint8_t* source,
                      size_t size) {
  if (size < kSplitCopyBytes || Overlap(destination, source, size))
    return 0;
  // On a 2 MiB boundary of the destination, so that where its pages are new
  // huge pages, each one is faulted by one thread only.
  auto begin = reinterpret_cast<uintptr_t>(destination);
  uintptr_t middle = (begin + size / 2 + kHugePage / 2) & ~(kHugePage - 1);
  return middle > begin && middle - begin < size
             ? static_cast<size_t>(middle - begin)
             : size / 2;
}

void CopyBytes(uint8_t* destination, const uint8_t* source, size_t size) {
  // An empty range may come with null pointers (an empty array's data),
  // which memmove must never be given.
  if (size == 0)
    return;
  SplitMode mode = SplitCopies();
  size_t split =
      mode != SplitMode::kOff ? CopySplitPoint(destination, source, size) : 0;
  if (split == 0) {
    std::memmove(destination, source, size);
    return;
  }
  SplitCopy copy{destination, source, size, split};
  uv_thread_t helper;
  bool started =
      mode == SplitMode::kPlaced
          ? StartCopyHelper(&helper, CopyPiecesOnThread, &copy)
          : uv_thread_create(&helper, CopyPiecesOnThread, &copy) == 0;
  // The calling thread's own part first, then whatever pieces are left.
  std::memcpy(destination, source, split);
  copy.CopyPieces();
  if (started)
    uv_thread_join(&helper);
}

}  // namespace rendezvous
