// One message with descriptors over a SOCK_SEQPACKET Unix socket.
#ifndef ADDON_LINUX_FD_PASSING_H_
#define ADDON_LINUX_FD_PASSING_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "posix/scoped_fd.h"

namespace rendezvous {

// Sends `bytes` with `fds` attached (duplicated into the message by the
// kernel; the caller still owns its own). Never raises SIGPIPE. Returns the
// sendmsg result: the byte count, or -1 with errno set.
ssize_t SendWithFds(int socket,
                    const std::vector<uint8_t>& bytes,
                    const std::vector<int>& fds,
                    int flags);

struct ReceivedMessage {
  std::vector<uint8_t> bytes;
  std::vector<ScopedFd> fds;   // every descriptor that arrived, all owned
  bool truncated = false;      // MSG_TRUNC: more bytes than the buffer held
  bool fds_truncated = false;  // MSG_CTRUNC: more fds than the buffer held
};

// Receives one message of at most `max_bytes`, with room for `max_fds`
// descriptors (which arrive close-on-exec). Descriptors beyond that are
// closed by the kernel and reported as `fds_truncated`. Returns the recvmsg
// result: 0 at end of stream, -1 with errno set on failure.
ssize_t ReceiveWithFds(int socket,
                       size_t max_bytes,
                       size_t max_fds,
                       int flags,
                       ReceivedMessage* message);

}  // namespace rendezvous

#endif  // ADDON_LINUX_FD_PASSING_H_
