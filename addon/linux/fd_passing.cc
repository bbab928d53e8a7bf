#include "linux/fd_passing.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rendezvous {

namespace {

// Control space for the most descriptors a message may carry, on the
// stack: channel frames pass through here on the hot path.
struct ControlBuffer {
  alignas(cmsghdr) uint8_t bytes[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
};

}  // namespace

ssize_t SendWithFds(int socket,
                    const iovec* iov,
                    size_t iov_count,
                    const std::vector<int>& fds,
                    int flags) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = iov_count;
  ControlBuffer control;
  if (!fds.empty()) {
    size_t payload = std::min(fds.size(), kMaxFdsPerMessage) * sizeof(int);
    std::memset(control.bytes, 0, sizeof control.bytes);
    msg.msg_control = control.bytes;
    msg.msg_controllen = CMSG_SPACE(payload);
    cmsghdr* header = CMSG_FIRSTHDR(&msg);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(payload);
    std::memcpy(CMSG_DATA(header), fds.data(), payload);
  }
  ssize_t sent;
  do {
    sent = ::sendmsg(socket, &msg, flags | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent;
}

ssize_t SendWithFds(int socket,
                    const std::vector<uint8_t>& bytes,
                    const std::vector<int>& fds,
                    int flags) {
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  return SendWithFds(socket, &iov, 1, fds, flags);
}

ssize_t ReceiveWithFds(int socket,
                       iovec* iov,
                       size_t iov_count,
                       size_t max_fds,
                       int flags,
                       std::vector<ScopedFd>* fds,
                       bool* truncated,
                       bool* fds_truncated,
                       int* fds_error) {
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = iov_count;
  // Room for the most a message can carry, whatever the caller wants: the
  // kernel closes the descriptors that do not fit, on this thread, and such
  // a close can block (a peer's lingering socket). The caller decides what
  // to do with every one of them instead.
  ControlBuffer control;
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof control.bytes;
  // How many descriptors the kernel will install: what fits after the
  // header, as it counts.
  size_t room = (msg.msg_controllen - CMSG_LEN(0)) / sizeof(int);
  ssize_t received;
  do {
    received = ::recvmsg(socket, &msg, flags | MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0)
    return received;
  // Take ownership of every descriptor first, so none can leak whatever the
  // caller then decides about the message.
  for (cmsghdr* header = CMSG_FIRSTHDR(&msg); header;
       header = CMSG_NXTHDR(&msg, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
      continue;
    size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const uint8_t* data = CMSG_DATA(header);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, data + i * sizeof(int), sizeof(int));
      fds->emplace_back(fd);
    }
  }
  *truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  bool control_truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  *fds_truncated = control_truncated || fds->size() > max_fds;
  // Cut short with room to spare: installing a descriptor failed, and the
  // kernel does not say why. Its only failure there short of a security
  // module's refusal is a full descriptor table (receive_fd: EMFILE); the
  // rest of the message's descriptors were closed by the kernel.
  *fds_error = control_truncated && fds->size() < room ? EMFILE : 0;
  return received;
}

ssize_t ReceiveWithFds(int socket,
                       size_t max_bytes,
                       size_t max_fds,
                       int flags,
                       ReceivedMessage* message) {
  message->bytes.assign(max_bytes, 0);
  message->fds.clear();
  iovec iov{message->bytes.data(), message->bytes.size()};
  ssize_t received = ReceiveWithFds(
      socket, &iov, 1, max_fds, flags, &message->fds, &message->truncated,
      &message->fds_truncated, &message->fds_error);
  if (received >= 0)
    message->bytes.resize(static_cast<size_t>(received));
  return received;
}

}  // namespace rendezvous
