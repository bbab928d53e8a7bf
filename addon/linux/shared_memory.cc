// Shared memory on Linux: a memfd sealed so its size can never change, mapped
// shared. The seals are what make a received region safe to touch: a peer
// that could shrink the file would make this process fault with SIGBUS.
#include "core/shared_memory.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <string>

#include "linux/huge_pages.h"
#include "linux/memfd_checks.h"
#include "linux/memfd_mapping.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

// Size can neither shrink nor grow, and the seals themselves are final.
constexpr int kRequiredSeals = F_SEAL_SHRINK | F_SEAL_GROW;
constexpr int kCreatedSeals = kRequiredSeals | F_SEAL_SEAL;

std::unique_ptr<SharedMemoryMapping> Map(ScopedFd fd,
                                         uint64_t size,
                                         Error* error) {
  std::optional<MemfdPages> pages = MapMemfdPages(
      fd.get(), size, MappingSharing::kShared, "shared memory region", error);
  if (!pages)
    return nullptr;
  return std::make_unique<MemfdMapping>(std::move(fd), *pages);
}

}  // namespace

std::unique_ptr<SharedMemoryMapping> CreateSharedMemory(uint64_t size,
                                                        Error* error) {
  if (!CheckSharedMemorySize(size, error))
    return nullptr;
  ScopedFd fd(::memfd_create("electron-port-rendezvous",
                             MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) {
    *error = SystemError("memfd_create", errno,
                         "Could not create a shared memory region");
    return nullptr;
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    *error = SystemError("ftruncate", errno,
                         "Could not size a shared memory region to " +
                             std::to_string(size) + " bytes");
    return nullptr;
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, kCreatedSeals) != 0) {
    *error =
        SystemError("fcntl", errno, "Could not seal a shared memory region");
    return nullptr;
  }
  return Map(std::move(fd), size, error);
}

std::unique_ptr<SharedMemoryMapping> MapSharedMemory(OwnedHandle region,
                                                     uint64_t byte_length,
                                                     Error* error) {
  if (region.get() < 0 || region.get() > INT_MAX) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a descriptor: " + std::to_string(region.get()));
    return nullptr;
  }
  ScopedFd fd(static_cast<int>(region.release()));
  if (!CheckSharedMemorySize(byte_length, error))
    return nullptr;
  int seals = 0;
  if (!CheckReceivedMemfd(
          fd.get(),
          {kRequiredSeals, byte_length, "shared memory region", "resizing"},
          &seals, error)) {
    return nullptr;
  }
  // The writer seal would make a shared mapping fail; say so clearly.
  if (seals & F_SEAL_WRITE) {
    *error = Error::Make(codes::kInvalidRight,
                         "The shared memory region is sealed read-only");
    return nullptr;
  }
  return Map(std::move(fd), byte_length, error);
}

// A fresh destination takes a page fault for each 4 KiB page it is copied
// into: a 64 MiB copy into new memory ran at a quarter of memcpy's speed,
// and at memcpy's with huge pages. From 8 MiB, most of a destination is
// whole 2 MiB extents. Where an allocator keeps the range mapped after the
// buffer is freed, the mark only lets later faults there take huge pages
// too.
void PrepareCopyDestination(uint8_t* destination, size_t size) {
  constexpr size_t kWorthIt = size_t{8} << 20;
  if (size >= kWorthIt)
    AllowHugePages(destination, size);
}

}  // namespace rendezvous
