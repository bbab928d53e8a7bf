// The seam for shared memory regions: each backend maps its own kind of
// region (a sealed memfd on Linux, a memory entry on macOS).
//
// Thread use: any thread; a mapping is not shared between threads by the
// addon except through its owner's lock-free read/write of the bytes.
#ifndef ADDON_CORE_SHARED_MEMORY_H_
#define ADDON_CORE_SHARED_MEMORY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/owned_handle.h"

namespace rendezvous {

// Largest region a caller may create or a peer may announce (64 GiB): far
// beyond what a sane peer sends, and a sixteenth of the address space all
// mapped regions may take together (core/mapping_budget.h).
inline constexpr uint64_t kMaxSharedMemoryBytes = uint64_t{1} << 36;

// Checks a region's size against the range every backend accepts.
inline bool CheckSharedMemorySize(uint64_t size, Error* error) {
  if (size == 0 || size > kMaxSharedMemoryBytes) {
    *error = Error::Range(codes::kInvalidArgument,
                          "A shared memory region must be 1 to " +
                              std::to_string(kMaxSharedMemoryBytes) +
                              " bytes, not " + std::to_string(size));
    return false;
  }
  return true;
}

// The memory object a mapping shows: two handles to one object, which a
// peer can send as if they were two regions, have the same id.
struct RegionId {
  uint64_t device = 0;
  uint64_t object = 0;
  bool operator==(const RegionId& other) const {
    return device == other.device && object == other.object;
  }
};

// How a mapping shows its object: shared, so writes reach every process
// that maps it (a region), or copy-on-write, so this process's writes stay
// its own and the object itself is never written (a message body a peer
// sealed against writing).
enum class MappingSharing { kShared, kCopyOnWrite };

// A region mapped read-write into this process, with the handle that names
// it. Destroying it unmaps the region and releases the handle.
class SharedMemoryMapping {
 public:
  SharedMemoryMapping() = default;
  SharedMemoryMapping(const SharedMemoryMapping&) = delete;
  SharedMemoryMapping& operator=(const SharedMemoryMapping&) = delete;
  virtual ~SharedMemoryMapping() = default;

  virtual uint8_t* data() const = 0;
  virtual uint64_t size() const = 0;
  // The handle (memfd / memory entry send right), still owned by the
  // mapping. To send it, duplicate it (DuplicateHandle, kind kSharedMemory).
  virtual int64_t handle() const = 0;
  // The object mapped, where the backend can name it (Linux: the memfd's
  // st_dev and st_ino); nullopt where it cannot.
  virtual std::optional<RegionId> id() const { return std::nullopt; }
  // How the object is mapped; any other mapping of it made for this
  // process (a view in place) must be made the same way.
  virtual MappingSharing sharing() const { return MappingSharing::kShared; }
};

// A new zero-filled region of `size` bytes (1..kMaxSharedMemoryBytes), which
// can never change size.
std::unique_ptr<SharedMemoryMapping> CreateSharedMemory(uint64_t size,
                                                        Error* error);

// Maps a region received from a peer (`region`, a kSharedMemory handle,
// becomes the mapping's, or is released on failure). `byte_length` is the
// size the peer stated; the backend checks that the region really has that
// size and cannot change it, so touching any byte of the mapping can never
// fault.
std::unique_ptr<SharedMemoryMapping> MapSharedMemory(OwnedHandle region,
                                                     uint64_t byte_length,
                                                     Error* error);

// Readies `size` bytes at `destination`, memory just allocated that a
// region's or a message's bytes are about to be copied into, for that copy.
// A hint: doing nothing is always correct, and no byte changes.
void PrepareCopyDestination(uint8_t* destination, size_t size);

// Mapping a region over memory this process already owns (a view in place).
//
// A JS runtime that refuses ArrayBuffers over outside memory (Electron's V8
// memory cage) still lets JS allocate a SharedArrayBuffer; mapping the
// region's pages over whole pages inside that allocation makes the
// allocation show the region. The allocator must never see those pages: the
// caller maps private pages back (RestorePrivatePages) before the allocation
// can be freed.

// The size of the pages MapOver and RestorePrivatePages work in.
uint64_t SharedMemoryPageSize();

// Whether this backend can map a region over existing memory at all.
bool InPlaceMappingSupported();

// Maps all of `mapping`'s object (its size rounded up to whole pages) at
// `address`, a page boundary, replacing what was mapped there; shared or
// copy-on-write as `mapping.sharing()` says. Fails, mapping nothing new, if
// the system would not map it at exactly `address`. The caller owns the
// range: it must be whole pages of memory this process allocated.
bool MapOver(const SharedMemoryMapping& mapping,
             uint8_t* address,
             Error* error);

// Maps private zero-filled pages over [address, address + length) (whole
// pages), undoing MapOver: the memory is ordinary private memory again. On
// failure the range may still show the region, and must never be handed
// back to its allocator.
bool RestorePrivatePages(uint8_t* address, uint64_t length, Error* error);

}  // namespace rendezvous

#endif  // ADDON_CORE_SHARED_MEMORY_H_
