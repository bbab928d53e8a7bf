// Channels on Linux: a SOCK_SEQPACKET socket pair. Each frame is one packet
// (so frame boundaries are the kernel's), handles ride as SCM_RIGHTS, and
// the kernel's send buffer is the backpressure: a full one is EAGAIN.
#include "core/channel_transport.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

// Inside the default socket buffer (wmem_default, 208 KiB), so a frame fits
// in one packet even on an end whose buffer was never raised.
constexpr size_t kMaxFrameSize = 128 * 1024;
// The send buffer asked for: with only a few frames in flight, a large
// message costs a wake-up of the reader every few frames. The kernel caps it
// at net.core.wmem_max (208 KiB by default, often raised), silently.
constexpr int kSendBufferBytes = 1024 * 1024;

class SocketChannel : public ChannelTransport {
 public:
  explicit SocketChannel(ScopedFd socket) : socket_(std::move(socket)) {}

  int poll_fd() const override { return socket_.get(); }
  bool PollsWritable() const override { return true; }
  size_t max_frame_size() const override { return kMaxFrameSize; }

  IoStatus SendFrame(const FrameBuffers& frame,
                     std::vector<OwnedHandle>* handles,
                     Error* error) override {
    iovec iov[2] = {{frame.head, frame.head_size},
                    {frame.tail, frame.tail_size}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = frame.tail_size > 0 ? 2 : 1;
    alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int) * 253)];
    if (!handles->empty()) {
      size_t payload = handles->size() * sizeof(int);
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(payload);
      cmsghdr* header = CMSG_FIRSTHDR(&msg);
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN(payload);
      for (size_t i = 0; i < handles->size(); ++i) {
        int fd = static_cast<int>((*handles)[i].get());
        std::memcpy(CMSG_DATA(header) + i * sizeof(int), &fd, sizeof fd);
      }
    }
    ssize_t sent;
    do {
      sent = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return IoStatus::kWouldBlock;
      if (errno == EPIPE || errno == ECONNRESET)
        return IoStatus::kPeerClosed;
      *error = SystemError("sendmsg", errno, "Could not send on a channel");
      return IoStatus::kFailed;
    }
    // The packet holds its own references: ours are done with.
    handles->clear();
    return IoStatus::kDone;
  }

  IoStatus ReceiveFrame(const FrameBuffers& frame,
                        size_t max_handles,
                        size_t* size,
                        bool* truncated,
                        ReceivedHandles* handles,
                        bool* handles_truncated,
                        Error* error) override {
    iovec iov[2] = {{frame.head, frame.head_size},
                    {frame.tail, frame.tail_size}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = frame.tail_size > 0 ? 2 : 1;
    alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int) * 253)];
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(max_handles * sizeof(int));
    ssize_t received;
    do {
      // MSG_TRUNC: the return value is the packet's real length.
      received = ::recvmsg(socket_.get(), &msg,
                           MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
      // ECONNRESET is reported once when the peer closed with our data
      // unread; what it sent before is still queued, so read on (its end
      // comes as a 0-byte read).
    } while (received < 0 && (errno == EINTR || errno == ECONNRESET));
    if (received < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return IoStatus::kWouldBlock;
      *error = SystemError("recvmsg", errno, "Could not read from a channel");
      return IoStatus::kFailed;
    }
    // Own every descriptor before looking at anything else, so none leaks.
    for (cmsghdr* header = CMSG_FIRSTHDR(&msg); header;
         header = CMSG_NXTHDR(&msg, header)) {
      if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
        continue;
      size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
        handles->emplace_back(fd, RightKind::kFd);
      }
    }
    *handles_truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
    // A zero-length packet with no handles is the peer's end of stream; a
    // SEQPACKET peer never sends an empty frame.
    if (received == 0 && handles->empty())
      return IoStatus::kPeerClosed;
    *size = static_cast<size_t>(received);
    *truncated = (msg.msg_flags & MSG_TRUNC) != 0 ||
                 *size > frame.head_size + frame.tail_size;
    return IoStatus::kDone;
  }

  int64_t ReleaseEndpoint() override { return socket_.release(); }

 private:
  ScopedFd socket_;
};

}  // namespace

bool CreateChannelPair(int64_t* first, int64_t* second, Error* error) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    *error = SystemError("socketpair", errno, "Could not create a channel");
    return false;
  }
  for (int fd : fds) {
    // Best effort: a smaller buffer only costs throughput.
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes,
                 sizeof kSendBufferBytes);
  }
  *first = fds[0];
  *second = fds[1];
  return true;
}

std::unique_ptr<ChannelTransport> AdoptChannelEnd(int64_t handle,
                                                  Error* error) {
  if (handle < 0 || handle > INT_MAX) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a descriptor: " + std::to_string(handle));
    return nullptr;
  }
  ScopedFd socket(static_cast<int>(handle));
  int domain = 0;
  int type = 0;
  socklen_t length = sizeof domain;
  bool is_channel =
      ::getsockopt(socket.get(), SOL_SOCKET, SO_DOMAIN, &domain, &length) ==
          0 &&
      (length = sizeof type,
       ::getsockopt(socket.get(), SOL_SOCKET, SO_TYPE, &type, &length) == 0) &&
      domain == AF_UNIX && type == SOCK_SEQPACKET;
  if (!is_channel) {
    *error = Error::Make(codes::kInvalidRight,
                         "The handle is not a channel end (a Unix "
                         "SOCK_SEQPACKET socket)");
    return nullptr;
  }
  return std::make_unique<SocketChannel>(std::move(socket));
}

}  // namespace rendezvous
