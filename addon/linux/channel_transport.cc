// Channels on Linux: a SOCK_SEQPACKET socket pair. Each frame is one packet
// (so frame boundaries are the kernel's), handles ride as SCM_RIGHTS, and
// the kernel's send buffer is the backpressure: a full one is EAGAIN.
#include "core/channel_transport.h"

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <string>

#include "core/limits.h"
#include "core/out_of_line_settings.h"

#include "linux/fd_passing.h"
#include "linux/message_body.h"
#include "linux/pooled_body.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"
#include "posix/uv_poll_source.h"

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
  explicit SocketChannel(ScopedFd socket)
      : socket_(std::move(socket)), out_of_line_(OutOfLineThreshold()) {}

  std::unique_ptr<LoopEventSource> WatchOnLoop(EventLoop* loop,
                                               Error* error) override {
    return WatchDescriptorOnLoop(loop, socket_.get(), error);
  }
  bool PollsWritable() const override { return true; }
  size_t max_frame_size() const override { return kMaxFrameSize; }
  uint64_t out_of_line_threshold() const override { return out_of_line_; }
  bool PeerReadEverything() const override {
    int unread = 0;
    // A socket that cannot say is taken as read: it is about to fail.
    return ::ioctl(socket_.get(), SIOCOUTQ, &unread) != 0 || unread == 0;
  }
  bool CreateOutOfLineBody(const uint8_t* data,
                           uint64_t size,
                           OwnedHandle* body,
                           Error* error) override {
    return CreateMemfdBody(data, size, body, error);
  }
  bool CreatePooledBody(uint64_t capacity,
                        std::unique_ptr<PooledBody>* body,
                        Error* error) override {
    return CreatePooledMemfdBody(capacity, body, error);
  }

  IoStatus SendFrame(const FrameBuffers& frame,
                     std::vector<OwnedHandle>* handles,
                     Error* error) override {
    iovec iov[2] = {{frame.head, frame.head_size},
                    {frame.tail, frame.tail_size}};
    std::vector<int> fds;
    for (const OwnedHandle& handle : *handles)
      fds.push_back(static_cast<int>(handle.get()));
    ssize_t sent = SendWithFds(socket_.get(), iov, frame.tail_size > 0 ? 2 : 1,
                               fds, MSG_DONTWAIT);
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
                        ReceivedFrame* out,
                        Error* error) override {
    iovec iov[2] = {{frame.head, frame.head_size},
                    {frame.tail, frame.tail_size}};
    std::vector<ScopedFd> fds;
    int fds_error = 0;
    ssize_t received;
    do {
      // MSG_TRUNC: the return value is the packet's real length.
      received =
          ReceiveWithFds(socket_.get(), iov, frame.tail_size > 0 ? 2 : 1,
                         max_handles, MSG_DONTWAIT | MSG_TRUNC, &fds,
                         &out->truncated, &out->handles_truncated, &fds_error);
      // ECONNRESET is reported once when the peer closed with our data
      // unread; what it sent before is still queued, so read on (its end
      // comes as a 0-byte read).
    } while (received < 0 && errno == ECONNRESET);
    for (ScopedFd& fd : fds)
      out->handles.emplace_back(fd.release(), RightKind::kFd);
    if (received < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return IoStatus::kWouldBlock;
      *error = SystemError("recvmsg", errno, "Could not read from a channel");
      return IoStatus::kFailed;
    }
    // The message lost descriptors this process had no room for: not the
    // peer's fault, and the stream cannot go on without them.
    if (fds_error != 0) {
      *error = SystemError("recvmsg", fds_error,
                           "Could not receive the descriptors of a channel "
                           "message");
      return IoStatus::kFailed;
    }
    // Nothing read is the peer's end of stream, or an empty packet, which
    // our sender never writes: only a hang-up raises POLLRDHUP. An empty
    // packet goes on as a frame too short to decode.
    if (received == 0 && out->handles.empty() && PeerHungUp())
      return IoStatus::kPeerClosed;
    out->size = static_cast<size_t>(received);
    out->truncated =
        out->truncated || out->size > frame.head_size + frame.tail_size;
    return IoStatus::kDone;
  }

  OwnedHandle ReleaseEndpoint() override {
    return OwnedHandle(socket_.release(), RightKind::kChannel);
  }
  bool ReleaseOffThread() const override { return true; }

 private:
  bool PeerHungUp() const {
    pollfd entry{socket_.get(), POLLRDHUP, 0};
    int ready = ::poll(&entry, 1, 0);
    if (ready < 0)
      return true;  // a socket that cannot be polled is treated as gone
    return ready == 1 && (entry.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  ScopedFd socket_;
  const uint64_t out_of_line_;
};

int SocketOption(int socket, int option) {
  int value = -1;
  socklen_t length = sizeof value;
  if (::getsockopt(socket, SOL_SOCKET, option, &value, &length) != 0)
    return -1;
  return value;
}

// A listening or never-connected socket of the right type would pass a
// type check and fail only at its first read; it is refused here instead.
// Neither has a peer (a listening socket never does), so getpeername()
// tells both from a channel end.
bool IsConnectedSeqpacket(int socket) {
  if (SocketOption(socket, SO_DOMAIN) != AF_UNIX ||
      SocketOption(socket, SO_TYPE) != SOCK_SEQPACKET) {
    return false;
  }
  sockaddr_storage peer;
  socklen_t length = sizeof peer;
  return ::getpeername(socket, reinterpret_cast<sockaddr*>(&peer), &length) ==
         0;
}

}  // namespace

bool CreateChannelPair(OwnedHandle* first, OwnedHandle* second, Error* error) {
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
  *first = OwnedHandle(fds[0], RightKind::kChannel);
  *second = OwnedHandle(fds[1], RightKind::kChannel);
  return true;
}

std::unique_ptr<ChannelTransport> AdoptChannelEnd(OwnedHandle handle,
                                                  Error* error) {
  if (handle.get() < 0 || handle.get() > INT_MAX) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a descriptor: " + std::to_string(handle.get()));
    return nullptr;
  }
  ScopedFd socket(static_cast<int>(handle.release()));
  if (!IsConnectedSeqpacket(socket.get())) {
    *error = Error::Make(codes::kInvalidRight,
                         "The handle is not a channel end (a connected Unix "
                         "SOCK_SEQPACKET socket)");
    return nullptr;
  }
  return std::make_unique<SocketChannel>(std::move(socket));
}

}  // namespace rendezvous
