#include "linux/memfd_mapping.h"

#include <sys/stat.h>

#include <cerrno>

#include "posix/system_error.h"

namespace rendezvous {

std::optional<MemfdPages> MapMemfdPages(int fd,
                                        uint64_t size,
                                        MappingSharing sharing,
                                        const std::string& what,
                                        Error* error) {
  struct stat status;
  if (::fstat(fd, &status) != 0) {
    *error = SystemError("fstat", errno, "Could not inspect a " + what);
    return std::nullopt;
  }
  // MAP_PRIVATE: writes make private copies of the pages they touch, and
  // the object itself never changes.
  int flags = sharing == MappingSharing::kShared ? MAP_SHARED : MAP_PRIVATE;
  void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (data == MAP_FAILED) {
    *error = SystemError(
        "mmap", errno,
        "Could not map a " + what + " of " + std::to_string(size) + " bytes");
    return std::nullopt;
  }
  RegionId id{static_cast<uint64_t>(status.st_dev),
              static_cast<uint64_t>(status.st_ino)};
  return MemfdPages{static_cast<uint8_t*>(data), size, id, sharing};
}

}  // namespace rendezvous
