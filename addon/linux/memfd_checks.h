// The checks a memfd a peer sent must pass before it is mapped: a region
// (core/shared_memory.h) and a message body sent out of line
// (core/channel_transport.h) are both untrusted descriptors until then.
#ifndef ADDON_LINUX_MEMFD_CHECKS_H_
#define ADDON_LINUX_MEMFD_CHECKS_H_

#include <cstdint>

#include "core/error.h"

namespace rendezvous {

struct MemfdRequirements {
  int seals = 0;            // every one of these F_SEAL_* must be set
  uint64_t size = 0;        // the size the sender stated
  const char* what = "";    // names the object in errors
  const char* sealed = "";  // says what `seals` guard against
  bool at_least = false;    // the memfd may be larger than `size`
};

// Whether `fd` is a memfd carrying every required seal, of exactly the
// stated size (or at least it, with `at_least`), and not on hugetlbfs
// (huge-page memory can run out under a mapping after its sender punches a
// hole, which faults on touch). On failure `error`
// (ERR_RENDEZVOUS_INVALID_RIGHT, or a system error) says why; `fd` is never
// closed here.
bool CheckReceivedMemfd(int fd,
                        const MemfdRequirements& required,
                        int* seals,
                        Error* error);

}  // namespace rendezvous

#endif  // ADDON_LINUX_MEMFD_CHECKS_H_
