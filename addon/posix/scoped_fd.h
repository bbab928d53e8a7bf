// The owner of a POSIX file descriptor, shared by the Linux and macOS
// backends. The only place in the addon that closes one.
#ifndef ADDON_POSIX_SCOPED_FD_H_
#define ADDON_POSIX_SCOPED_FD_H_

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/debug_log.h"
#include "core/scoped_generic.h"

namespace rendezvous {

struct FdTraits {
  static int InvalidValue() { return -1; }
  static bool IsValid(int fd) { return fd >= 0; }
  static void Free(int fd) {
    // Never retried: after EINTR the number may already be free, and a
    // retry could close a descriptor another thread was just given.
    if (::close(fd) == 0 || errno == EINTR)
      return;
    // EBADF means another close got there first: a double release, which
    // closes someone else's descriptor whenever the number was reused.
    ProcessDebugLog()("close(%d) failed: %s", fd, std::strerror(errno));
  }
};

// Owns one file descriptor and closes it on destruction. Move-only.
using ScopedFd = ScopedGeneric<int, FdTraits>;

}  // namespace rendezvous

#endif  // ADDON_POSIX_SCOPED_FD_H_
