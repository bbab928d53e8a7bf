// Shared memory on Windows: a pagefile-backed section (CreateFileMapping with
// no file), mapped read-write with MapViewOfFile. A section never shrinks,
// but a received one is still checked before it is mapped: the OS must say
// it is at least as large as its sender stated, and committed, so touching
// any stated byte can never fault.
#include "core/shared_memory.h"

#include <string>

#include "win/scoped_handle.h"
#include "win/section_info.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

class SectionMapping : public SharedMemoryMapping {
 public:
  SectionMapping(ScopedHandle section, uint8_t* data, uint64_t size)
      : section_(std::move(section)), data_(data), size_(size) {}
  ~SectionMapping() override { ::UnmapViewOfFile(data_); }

  uint8_t* data() const override { return data_; }
  uint64_t size() const override { return size_; }
  int64_t handle() const override { return HandleValue(section_.get()); }

 private:
  ScopedHandle section_;
  uint8_t* data_;
  uint64_t size_;
};

std::unique_ptr<SharedMemoryMapping> Map(ScopedHandle section,
                                         uint64_t size,
                                         const char* code,
                                         Error* error) {
  void* data = ::MapViewOfFile(section.get(), FILE_MAP_READ | FILE_MAP_WRITE, 0,
                               0, static_cast<SIZE_T>(size));
  if (data == nullptr) {
    *error = LastWindowsError("MapViewOfFile",
                              "Could not map a shared memory region of " +
                                  std::to_string(size) + " bytes read-write",
                              code);
    return nullptr;
  }
  return std::make_unique<SectionMapping>(std::move(section),
                                          static_cast<uint8_t*>(data), size);
}

}  // namespace

std::unique_ptr<SharedMemoryMapping> CreateSharedMemory(uint64_t size,
                                                        Error* error) {
  if (!CheckSharedMemorySize(size, error))
    return nullptr;
  // Pagefile-backed and committed (SEC_COMMIT, the default) at its whole
  // size now: a region that could not be backed fails here, not at a touch.
  ScopedHandle section(::CreateFileMappingW(
      INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE | SEC_COMMIT,
      static_cast<DWORD>(size >> 32), static_cast<DWORD>(size), nullptr));
  if (!section) {
    *error = LastWindowsError("CreateFileMappingW",
                              "Could not create a shared memory region of " +
                                  std::to_string(size) + " bytes");
    return nullptr;
  }
  return Map(std::move(section), size, codes::kSystem, error);
}

std::unique_ptr<SharedMemoryMapping> MapSharedMemory(OwnedHandle region,
                                                     uint64_t byte_length,
                                                     Error* error) {
  ScopedHandle section(HandleFromValue(region.release()));
  if (!CheckSharedMemorySize(byte_length, error))
    return nullptr;
  SectionFacts facts;
  if (!QuerySection(section.get(), &facts, error))
    return nullptr;
  if (facts.reserved_only || facts.file_backed) {
    *error = Error::Make(
        codes::kInvalidRight,
        std::string("The shared memory region is not a committed pagefile "
                    "section (it is ") +
            (facts.file_backed ? "backed by a file"
                               : "reserved, not committed") +
            "): touching it could fault");
    return nullptr;
  }
  if (facts.size < byte_length) {
    *error = Error::Make(codes::kInvalidRight, "The shared memory region is " +
                                                   std::to_string(facts.size) +
                                                   " bytes, smaller than the " +
                                                   std::to_string(byte_length) +
                                                   " bytes stated");
    return nullptr;
  }
  return Map(std::move(section), byte_length, codes::kInvalidRight, error);
}

// Nothing to ready: large pages on Windows need a privilege (SeLockMemory)
// and memory allocated as such from the start.
void PrepareCopyDestination(uint8_t*, size_t) {}

}  // namespace rendezvous
