#include "linux/peer_admission.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace rendezvous {

namespace {

// Pins the connecting process itself: its pid may be reused by the time it
// asks, or by the time its held request is answered.
ScopedPidFd PinPeerProcess(int socket, int32_t pid) {
  int pidfd = -1;
  socklen_t pidfd_length = sizeof(pidfd);
  constexpr int kSoPeerPidFd = 77;  // SO_PEERPIDFD, Linux 6.5
  if (::getsockopt(socket, SOL_SOCKET, kSoPeerPidFd, &pidfd, &pidfd_length) ==
      0) {
    return ScopedPidFd(ScopedFd(pidfd));
  }
  if (errno == ENOPROTOOPT) {
    Error ignored;
    return ScopedPidFd::Open(pid, &ignored);
  }
  return ScopedPidFd();
}

}  // namespace

std::optional<AdmittedPeer> AdmitPeer(int socket, const DebugLog& log) {
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) <
          0 ||
      credentials.pid <= 0) {
    log("refused a connection whose pid the kernel cannot tell");
    return std::nullopt;
  }
  // Abstract names are reachable by every user (and listed in
  // /proc/net/unix): other users must not use up connections or holds.
  if (credentials.uid != ::geteuid()) {
    log("refused pid %d: uid %u is not ours", credentials.pid,
        static_cast<unsigned>(credentials.uid));
    return std::nullopt;
  }
  ScopedPidFd process = PinPeerProcess(socket, credentials.pid);
  if (!process.is_valid()) {
    log("refused a connection whose process is already gone");
    return std::nullopt;
  }
  return AdmittedPeer{credentials.pid, std::move(process)};
}

}  // namespace rendezvous
