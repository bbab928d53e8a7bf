// Watches a child's exit with a pidfd registered in the server's epoll set:
// no thread per child, and no confusion with a later process of the same pid.
#ifndef ADDON_LINUX_PIDFD_EXIT_WATCH_H_
#define ADDON_LINUX_PIDFD_EXIT_WATCH_H_

#include <cstdint>
#include <memory>

#include "core/error.h"
#include "core/right.h"
#include "posix/scoped_fd.h"

namespace rendezvous {

// Owns a pidfd. Readable once the process has exited.
class ScopedPidFd {
 public:
  ScopedPidFd() = default;
  explicit ScopedPidFd(ScopedFd fd) : fd_(std::move(fd)) {}
  static ScopedPidFd Open(int32_t pid, Error* error);
  int get() const { return fd_.get(); }
  bool is_valid() const { return fd_.is_valid(); }
  bool HasExited() const;

 private:
  ScopedFd fd_;
};

// epoll data for a pid's exit event; the server decodes it with
// EpollTagOf / EpollValueOf (see linux/server.cc).
std::unique_ptr<ExitWatch> MakePidFdExitWatch(int epoll_fd,
                                              uint64_t epoll_data,
                                              int32_t pid,
                                              Error* error);

}  // namespace rendezvous

#endif  // ADDON_LINUX_PIDFD_EXIT_WATCH_H_
