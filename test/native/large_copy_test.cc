// CopyBytes is memmove, whichever way it copies: every byte lands where
// memmove would put it, none outside the destination changes, at sizes
// around the split threshold, at odd alignments, and for overlapping
// ranges (which it must never split).
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/large_copy.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

constexpr size_t kGuard = 64;

uint8_t Pattern(size_t i) {
  return static_cast<uint8_t>((i * 2654435761u) >> 13);
}

// Copies `size` bytes from offset `from` to offset `to` of separate
// buffers, then checks the whole destination buffer.
bool CopiesExactly(size_t size, size_t from, size_t to) {
  std::vector<uint8_t> source(size + from);
  for (size_t i = 0; i < source.size(); ++i)
    source[i] = Pattern(i);
  std::vector<uint8_t> destination(size + to + kGuard, 0xA5);
  CopyBytes(destination.data() + to, source.data() + from, size);
  for (size_t i = 0; i < destination.size(); ++i) {
    bool inside = i >= to && i < to + size;
    uint8_t expected = inside ? Pattern(i - to + from) : 0xA5;
    if (destination[i] != expected)
      return false;
  }
  return true;
}

void CopiesEverySizeAroundTheSplit(Failures& t) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{4096}, kSplitCopyBytes - 1,
                      kSplitCopyBytes, kSplitCopyBytes + 1,
                      kSplitCopyBytes + (3 << 20) + 7}) {
    EXPECT_TRUE(t, CopiesExactly(size, 0, 0));
  }
}

void CopiesAtOddAlignments(Failures& t) {
  for (size_t from : {1, 3, 4096 - 1})
    for (size_t to : {0, 5, 4096 + 1})
      EXPECT_TRUE(t, CopiesExactly(kSplitCopyBytes + 12345, from, to));
}

// Overlapping ranges, both ways, copied as memmove copies them.
void CopiesOverlappingRangesAsMemmove(Failures& t) {
  const size_t size = kSplitCopyBytes + 4096;
  for (size_t shift : {size_t{1}, size_t{4096}, size / 2}) {
    for (bool forward : {true, false}) {
      std::vector<uint8_t> mine(size + shift);
      for (size_t i = 0; i < mine.size(); ++i)
        mine[i] = Pattern(i);
      std::vector<uint8_t> expected = mine;
      size_t to = forward ? shift : 0;
      size_t from = forward ? 0 : shift;
      std::memmove(expected.data() + to, expected.data() + from, size);
      CopyBytes(mine.data() + to, mine.data() + from, size);
      EXPECT_TRUE(t, mine == expected);
    }
  }
}

// Addresses only: CopySplitPoint never touches memory.
const uint8_t* At(uintptr_t address) {
  return reinterpret_cast<const uint8_t*>(address);
}
uint8_t* MutableAt(uintptr_t address) {
  return reinterpret_cast<uint8_t*>(address);
}

// Two threads never copy between overlapping ranges: one could read what
// the other has already overwritten.
void NeverSplitsOverlappingRanges(Failures& t) {
  const size_t size = kSplitCopyBytes * 2;
  const uintptr_t base = uintptr_t{1} << 40;
  EXPECT_TRUE(t, CopySplitPoint(MutableAt(base + size), At(base), size) != 0);
  EXPECT_TRUE(t, CopySplitPoint(MutableAt(base), At(base + size), size) != 0);
  for (size_t shift : {size_t{0}, size_t{1}, size / 2, size - 1}) {
    EXPECT_EQ(t, CopySplitPoint(MutableAt(base + shift), At(base), size),
              size_t{0});
    EXPECT_EQ(t, CopySplitPoint(MutableAt(base), At(base + shift), size),
              size_t{0});
  }
}

// The split is inside the range, on a 2 MiB boundary of the destination,
// near its middle; small copies are not split.
void SplitsNearTheMiddleOnAHugePageBoundary(Failures& t) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t size = kSplitCopyBytes + (5 << 20) + 3;
  const uintptr_t source = uintptr_t{1} << 40;
  const uintptr_t destination = uintptr_t{1} << 41;
  for (size_t offset : {size_t{0}, size_t{1}, size_t{4096}, kHugePage - 1}) {
    size_t split =
        CopySplitPoint(MutableAt(destination + offset), At(source), size);
    EXPECT_TRUE(t, split > 0 && split < size);
    EXPECT_EQ(t, (destination + offset + split) % kHugePage, uintptr_t{0});
    EXPECT_TRUE(t,
                split + kHugePage > size / 2 && split < size / 2 + kHugePage);
  }
  EXPECT_EQ(
      t,
      CopySplitPoint(MutableAt(destination), At(source), kSplitCopyBytes - 1),
      size_t{0});
}

}  // namespace

std::vector<UnitTest> LargeCopyTests() {
  const char* suite = "CopyBytes";
  return {
      {suite, "copies every size around the split exactly",
       CopiesEverySizeAroundTheSplit},
      {suite, "copies exactly at odd alignments", CopiesAtOddAlignments},
      {suite, "copies overlapping ranges as memmove does",
       CopiesOverlappingRangesAsMemmove},
      {suite, "never splits overlapping ranges", NeverSplitsOverlappingRanges},
      {suite, "splits near the middle, on a 2 MiB boundary",
       SplitsNearTheMiddleOnAHugePageBoundary},
  };
}

}  // namespace rendezvous::unit
