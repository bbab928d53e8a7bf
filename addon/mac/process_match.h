// Whether the process asking is the process its rights were bound to, over
// plain numbers: Mach-free, so it is compiled and tested on every platform
// (test/25.mach-rights.test.js). mac/process_identity.h reads the numbers.
//
// A pid alone names a process only while it lives; a pid version alone
// changes at every exec (a launcher script that execs the real program would
// lose its rights). So a registration records the kernel's 64-bit unique id
// of its process, which no other process ever gets and an exec keeps; a
// request names its sender by the pid and pid version in its audit token,
// and the process found at that pid is taken for the sender only while it
// still runs that very version.
#ifndef ADDON_MAC_PROCESS_MATCH_H_
#define ADDON_MAC_PROCESS_MATCH_H_

#include <cstdint>
#include <optional>

namespace rendezvous::mac {

// What the kernel says of the process at a pid, at one moment.
struct ProcessSnapshot {
  uint64_t unique_id = 0;
  // 0 where the kernel does not report it (macOS 10.15).
  int32_t pid_version = 0;
  // The unique id of its parent.
  uint64_t parent_unique_id = 0;
};

// `bound_unique_id`: recorded when the rights were bound to the pid (none if
// it could not be read: then the pid alone decides, as before). `now`: the
// process at the asker's pid when the answer is sent (none if there is
// none). `asker_pid_version`: from the request's audit token.
constexpr bool IsBoundProcess(std::optional<uint64_t> bound_unique_id,
                              std::optional<ProcessSnapshot> now,
                              int32_t asker_pid_version) {
  if (!bound_unique_id)
    return true;
  if (!now)
    return false;  // the asker is gone
  if (now->pid_version != 0 && now->pid_version != asker_pid_version)
    return false;  // the pid runs another image than the one that asked
  return now->unique_id == *bound_unique_id;
}

// Whether the asker may be a launch's child, which is always a direct child
// of this process: only then is its request held until a launch is bound.
// `own_unique_id`: this process's (none if it could not be read: then every
// asker is held, as where nothing can be read). `asker_now`: the process at
// the asker's pid (none if there is none). `asker_pid_version`: from the
// request's audit token, so the process read is the one that asked.
constexpr bool IsChildOf(std::optional<uint64_t> own_unique_id,
                         std::optional<ProcessSnapshot> asker_now,
                         int32_t asker_pid_version) {
  if (!own_unique_id)
    return true;
  if (!asker_now)
    return false;  // the asker is gone
  if (asker_now->pid_version != 0 &&
      asker_now->pid_version != asker_pid_version)
    return false;  // the pid runs another image than the one that asked
  return asker_now->parent_unique_id == *own_unique_id;
}

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_PROCESS_MATCH_H_
