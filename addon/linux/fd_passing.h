// One message with descriptors over a SOCK_SEQPACKET Unix socket: the
// rendezvous request and reply, and every channel frame.
#ifndef ADDON_LINUX_FD_PASSING_H_
#define ADDON_LINUX_FD_PASSING_H_

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "posix/scoped_fd.h"

namespace rendezvous {

// At most this many descriptors travel in one message (the kernel's
// SCM_MAX_FD).
inline constexpr size_t kMaxFdsPerMessage = 253;

// Sends the bytes of `iov` as one message with `fds` attached (duplicated
// into the message by the kernel; the caller still owns its own). Never
// raises SIGPIPE; retries EINTR. Returns the sendmsg result: the byte count,
// or -1 with errno set.
ssize_t SendWithFds(int socket,
                    const iovec* iov,
                    size_t iov_count,
                    const std::vector<int>& fds,
                    int flags);
ssize_t SendWithFds(int socket,
                    const std::vector<uint8_t>& bytes,
                    const std::vector<int>& fds,
                    int flags);

// Receives one message into `iov`, expecting at most `max_fds` descriptors
// (which arrive close-on-exec); retries EINTR. Every descriptor that arrived
// is appended to `fds`, owned, before anything else is looked at, also
// those beyond `max_fds`: then `*fds_truncated` is set, and closing them is
// left to the caller rather than to the kernel on this thread.
// `*truncated` is set when the message was longer than `iov`. When the
// kernel could not install a descriptor although there was room for it,
// `*fds_truncated` is set too and `*fds_error` says why (EMFILE: this
// process's descriptor table is full); otherwise it is 0. Returns the
// recvmsg result: 0 at end of stream, -1 with errno set on failure (with
// MSG_TRUNC in `flags`, the message's real length).
ssize_t ReceiveWithFds(int socket,
                       iovec* iov,
                       size_t iov_count,
                       size_t max_fds,
                       int flags,
                       std::vector<ScopedFd>* fds,
                       bool* truncated,
                       bool* fds_truncated,
                       int* fds_error);

struct ReceivedMessage {
  std::vector<uint8_t> bytes;
  std::vector<ScopedFd> fds;   // every descriptor that arrived, all owned
  bool truncated = false;      // MSG_TRUNC: more bytes than the buffer held
  bool fds_truncated = false;  // MSG_CTRUNC: more fds than the buffer held
  int fds_error = 0;  // why fds that had room were not installed (EMFILE)
};

// The same into a buffer of `max_bytes`, resized to what arrived.
ssize_t ReceiveWithFds(int socket,
                       size_t max_bytes,
                       size_t max_fds,
                       int flags,
                       ReceivedMessage* message);

}  // namespace rendezvous

#endif  // ADDON_LINUX_FD_PASSING_H_
