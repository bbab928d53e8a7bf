#include "linux/pooled_body.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/large_copy.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

constexpr int kPooledBodySeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

// Filling memory costs most where pages are new, and differently by route
// (64 MiB on a 2-core VM: memcpy through a new shared mapping ~100 ms, as
// every page faults; pwrite, which allocates in the kernel, ~35 ms; pwrite
// again ~11 ms; memcpy through a populated mapping ~5 ms, after ~28 ms to
// populate it once). So a body is written by pwrite the first time, and on
// its first reuse mapped with MAP_POPULATE, after which each reuse is a
// memcpy into warm, mapped pages.
class PooledMemfdBody : public PooledBody {
 public:
  PooledMemfdBody(ScopedFd fd, uint64_t capacity)
      : fd_(std::move(fd)), capacity_(capacity) {}
  ~PooledMemfdBody() override {
    if (data_)
      ::munmap(data_, capacity_);
  }

  uint64_t capacity() const override { return capacity_; }

  bool Fill(const uint8_t* data, uint64_t size, Error* error) override {
    if (size > capacity_) {
      *error = Error::Range(codes::kInvalidArgument,
                            "A message body larger than its pooled body");
      return false;
    }
    if (!filled_) {
      filled_ = true;
      return Write(data, size, error);
    }
    if (!data_ && !Map(error))
      return false;
    CopyBytes(data_, data, size);
    return true;
  }

  bool Duplicate(OwnedHandle* out, Error* error) const override {
    int copy = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
      *error = SystemError("fcntl", errno,
                           "Could not duplicate a channel message body");
      return false;
    }
    *out = OwnedHandle(copy, RightKind::kFd);
    return true;
  }

 private:
  bool Write(const uint8_t* data, uint64_t size, Error* error) {
    uint64_t done = 0;
    while (done < size) {
      ssize_t wrote = ::pwrite(fd_.get(), data + done, size - done,
                               static_cast<off_t>(done));
      if (wrote < 0 && errno == EINTR)
        continue;
      if (wrote <= 0) {
        *error = SystemError("pwrite", wrote < 0 ? errno : EIO,
                             "Could not fill a pooled message body");
        return false;
      }
      done += static_cast<uint64_t>(wrote);
    }
    return true;
  }

  bool Map(Error* error) {
    void* data = ::mmap(nullptr, capacity_, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_POPULATE, fd_.get(), 0);
    if (data == MAP_FAILED) {
      *error = SystemError("mmap", errno,
                           "Could not map a pooled message body of " +
                               std::to_string(capacity_) + " bytes");
      return false;
    }
    data_ = static_cast<uint8_t*>(data);
    return true;
  }

  ScopedFd fd_;
  uint64_t capacity_;
  uint8_t* data_ = nullptr;  // mapped on first reuse
  bool filled_ = false;
};

}  // namespace

bool CreatePooledMemfdBody(uint64_t capacity,
                           std::unique_ptr<PooledBody>* body,
                           Error* error) {
  ScopedFd fd(::memfd_create("electron-port-rendezvous-pooled-message",
                             MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) {
    *error = SystemError("memfd_create", errno,
                         "Could not create a pooled message body");
    return false;
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(capacity)) != 0 ||
      ::fcntl(fd.get(), F_ADD_SEALS, kPooledBodySeals) != 0) {
    *error = SystemError("ftruncate", errno,
                         "Could not size and seal a pooled message body");
    return false;
  }
  *body = std::make_unique<PooledMemfdBody>(std::move(fd), capacity);
  return true;
}

}  // namespace rendezvous
