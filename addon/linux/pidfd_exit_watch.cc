#include "linux/pidfd_exit_watch.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "posix/system_error.h"

namespace rendezvous {

ScopedPidFd ScopedPidFd::Open(int32_t pid, Error* error) {
  // pidfd_open has no glibc wrapper before 2.36. Its fds are close-on-exec.
  long fd = ::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0);
  if (fd < 0) {
    int err = errno;
    *error = SystemError("pidfd_open", err,
                         "Cannot watch process " + std::to_string(pid),
                         err == ESRCH ? codes::kProcessGone : codes::kSystem);
    return ScopedPidFd();
  }
  return ScopedPidFd(ScopedFd(static_cast<int>(fd)));
}

bool ScopedPidFd::HasExited() const {
  pollfd entry{fd_.get(), POLLIN, 0};
  return ::poll(&entry, 1, 0) > 0;
}

namespace {

class PidFdExitWatch : public ExitWatch {
 public:
  PidFdExitWatch(int epoll_fd, ScopedPidFd pidfd)
      : epoll_fd_(epoll_fd), pidfd_(std::move(pidfd)) {}
  ~PidFdExitWatch() override {
    // Closing the only reference would remove it from the set as well; the
    // explicit removal keeps that independent of who else holds it.
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, pidfd_.get(), nullptr);
  }
  bool HasExited() const override { return pidfd_.HasExited(); }

 private:
  int epoll_fd_;
  ScopedPidFd pidfd_;
};

}  // namespace

std::unique_ptr<ExitWatch> MakePidFdExitWatch(int epoll_fd,
                                              uint64_t epoll_data,
                                              int32_t pid,
                                              Error* error) {
  ScopedPidFd pidfd = ScopedPidFd::Open(pid, error);
  if (!pidfd.is_valid())
    return nullptr;
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = epoll_data;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, pidfd.get(), &event) < 0) {
    *error = SystemError("epoll_ctl", errno,
                         "Cannot watch process " + std::to_string(pid));
    return nullptr;
  }
  return std::make_unique<PidFdExitWatch>(epoll_fd, std::move(pidfd));
}

}  // namespace rendezvous
