// The owner of a POSIX file descriptor, shared by the Linux and macOS
// backends. The only place in the addon that closes one.
#ifndef ADDON_POSIX_SCOPED_FD_H_
#define ADDON_POSIX_SCOPED_FD_H_

#include <unistd.h>

#include <utility>

namespace rendezvous {

// Owns one file descriptor and closes it on destruction. Move-only.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { reset(); }

  int get() const { return fd_; }
  bool is_valid() const { return fd_ >= 0; }
  explicit operator bool() const { return is_valid(); }

  void reset(int fd = -1) {
    if (fd_ >= 0) {
      // Never retried: after EINTR the number may already be free, and a
      // retry could close a descriptor another thread was just given.
      ::close(fd_);
    }
    fd_ = fd;
  }
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

}  // namespace rendezvous

#endif  // ADDON_POSIX_SCOPED_FD_H_
