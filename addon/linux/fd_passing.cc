#include "linux/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace rendezvous {

ssize_t SendWithFds(int socket,
                    const std::vector<uint8_t>& bytes,
                    const std::vector<int>& fds,
                    int flags) {
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<uint8_t> control;
  if (!fds.empty()) {
    size_t payload = fds.size() * sizeof(int);
    control.assign(CMSG_SPACE(payload), 0);
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
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

ssize_t ReceiveWithFds(int socket,
                       size_t max_bytes,
                       size_t max_fds,
                       int flags,
                       ReceivedMessage* message) {
  message->bytes.assign(max_bytes, 0);
  message->fds.clear();
  std::vector<uint8_t> control(CMSG_SPACE(max_fds * sizeof(int)), 0);
  iovec iov{message->bytes.data(), message->bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
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
      message->fds.emplace_back(fd);
    }
  }
  message->truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  message->fds_truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  message->bytes.resize(static_cast<size_t>(received));
  return received;
}

}  // namespace rendezvous
