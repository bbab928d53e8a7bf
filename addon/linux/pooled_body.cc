#include "linux/pooled_body.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

constexpr int kPooledBodySeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

class PooledMemfdBody : public PooledBody {
 public:
  PooledMemfdBody(ScopedFd fd, uint8_t* data, uint64_t capacity)
      : fd_(std::move(fd)), data_(data), capacity_(capacity) {}
  ~PooledMemfdBody() override { ::munmap(data_, capacity_); }

  uint8_t* data() const override { return data_; }
  uint64_t capacity() const override { return capacity_; }
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
  ScopedFd fd_;
  uint8_t* data_;
  uint64_t capacity_;
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
  void* data = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED,
                      fd.get(), 0);
  if (data == MAP_FAILED) {
    *error = SystemError("mmap", errno,
                         "Could not map a pooled message body of " +
                             std::to_string(capacity) + " bytes");
    return false;
  }
  *body = std::make_unique<PooledMemfdBody>(
      std::move(fd), static_cast<uint8_t*>(data), capacity);
  return true;
}

}  // namespace rendezvous
