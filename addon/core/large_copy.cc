#include "core/large_copy.h"

#include <uv.h>

#include <cstdlib>
#include <cstring>

namespace rendezvous {

namespace {

// The helper's half of a split copy, read by the helper thread only while
// the calling thread waits for it to finish.
struct CopyHalf {
  uint8_t* destination;
  const uint8_t* source;
  size_t size;
};

void CopyHalfOnThread(void* argument) {
  auto* half = static_cast<CopyHalf*>(argument);
  std::memcpy(half->destination, half->source, half->size);
}

bool Overlap(const uint8_t* a, const uint8_t* b, size_t size) {
  auto x = reinterpret_cast<uintptr_t>(a);
  auto y = reinterpret_cast<uintptr_t>(b);
  return x < y ? y - x < size : x - y < size;
}

}  // namespace

bool SplitCopiesEnabled() {
  static const bool enabled = [] {
    const char* value = std::getenv("ELECTRON_PORT_RENDEZVOUS_COPY_THREADS");
    return value == nullptr || std::strcmp(value, "1") != 0;
  }();
  return enabled;
}

size_t CopySplitPoint(const uint8_t* destination,
                      const uint8_t* source,
                      size_t size) {
  if (size < kSplitCopyBytes || Overlap(destination, source, size) ||
      !SplitCopiesEnabled()) {
    return 0;
  }
  // The split falls on a 2 MiB boundary of the destination, so that where
  // its pages are new huge pages, each one is faulted by one thread only.
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  auto begin = reinterpret_cast<uintptr_t>(destination);
  uintptr_t middle = (begin + size / 2 + kHugePage / 2) & ~(kHugePage - 1);
  return middle > begin && middle - begin < size
             ? static_cast<size_t>(middle - begin)
             : size / 2;
}

void CopyBytes(uint8_t* destination, const uint8_t* source, size_t size) {
  size_t first = CopySplitPoint(destination, source, size);
  if (first == 0) {
    std::memmove(destination, source, size);
    return;
  }
  CopyHalf second{destination + first, source + first, size - first};
  uv_thread_t helper;
  if (uv_thread_create(&helper, CopyHalfOnThread, &second) != 0) {
    std::memcpy(destination, source, size);
    return;
  }
  std::memcpy(destination, source, first);
  uv_thread_join(&helper);
}

}  // namespace rendezvous
