// Reads who the process at a pid is (mac/process_match.h says why these
// numbers), with proc_pidinfo's unique-identifier flavor: the one flavor any
// process may read of any other, unprivileged. Newer SDKs no longer declare
// it (it moved to a private header), so its number and layout, a fixed
// 56-byte ABI, are stated here.
#ifndef ADDON_MAC_PROCESS_IDENTITY_H_
#define ADDON_MAC_PROCESS_IDENTITY_H_

#include <libproc.h>

#include <cstdint>
#include <optional>

#include "mac/process_match.h"

namespace rendezvous::mac {

namespace internal {

inline constexpr int kUniqueIdentifierFlavor = 17;

struct UniqueIdentifierInfo {
  uint8_t executable_uuid[16];
  uint64_t unique_id;
  uint64_t parent_unique_id;
  int32_t pid_version;  // a reserved 0 before macOS 11
  int32_t original_parent_pid_version;
  uint64_t reserved[2];
};
static_assert(sizeof(UniqueIdentifierInfo) == 56, "the kernel's layout");

}  // namespace internal

// The process at `pid` now, or none when there is none or it cannot be read.
inline std::optional<ProcessSnapshot> ReadProcessSnapshot(int32_t pid) {
  internal::UniqueIdentifierInfo info{};
  int size = proc_pidinfo(pid, internal::kUniqueIdentifierFlavor, 0, &info,
                          sizeof(info));
  if (size != static_cast<int>(sizeof(info)))
    return std::nullopt;
  return ProcessSnapshot{info.unique_id, info.pid_version,
                         info.parent_unique_id};
}

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_PROCESS_IDENTITY_H_
