// A memfd mapped read-write into this process, the one mapping class of the
// Linux backend: shared for a region (shared_memory.cc), copy-on-write for a
// message body a peer sealed (message_body.cc). The mapping keeps the
// descriptor, so a view in place can map the same object again the same way.
#ifndef ADDON_LINUX_MEMFD_MAPPING_H_
#define ADDON_LINUX_MEMFD_MAPPING_H_

#include <sys/mman.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/shared_memory.h"
#include "posix/scoped_fd.h"

namespace rendezvous {

// Pages of a memfd mapped here, not yet owned by anything.
struct MemfdPages {
  uint8_t* data = nullptr;
  uint64_t size = 0;
  RegionId id;
  MappingSharing sharing = MappingSharing::kShared;
};

// Maps the first `size` bytes of memfd `fd` (to a whole page) read-write,
// shared or copy-on-write as `sharing` says. `fd` stays the caller's; `what`
// names the object in errors ("message body").
std::optional<MemfdPages> MapMemfdPages(int fd,
                                        uint64_t size,
                                        MappingSharing sharing,
                                        const std::string& what,
                                        Error* error);

// Owns `pages` (MapMemfdPages of `fd`) and `fd` from here on.
class MemfdMapping : public SharedMemoryMapping {
 public:
  MemfdMapping(ScopedFd fd, const MemfdPages& pages)
      : fd_(std::move(fd)), pages_(pages) {}
  // munmap() unmaps the whole pages `size` reaches into.
  ~MemfdMapping() override { ::munmap(pages_.data, pages_.size); }

  uint8_t* data() const override { return pages_.data; }
  uint64_t size() const override { return pages_.size; }
  int64_t handle() const override { return fd_.get(); }
  std::optional<RegionId> id() const override { return pages_.id; }
  MappingSharing sharing() const override { return pages_.sharing; }

 private:
  ScopedFd fd_;
  MemfdPages pages_;
};

}  // namespace rendezvous

#endif  // ADDON_LINUX_MEMFD_MAPPING_H_
