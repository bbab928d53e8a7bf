// The child's side of the rendezvous: one connection, one request, one reply.
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <utility>

#include "core/limits.h"
#include "core/seam/client.h"
#include "core/wire_format.h"
#include "linux/endpoint.h"
#include "linux/fd_passing.h"
#include "linux/handles.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

bool SetTimeouts(int socket, std::chrono::milliseconds timeout, Error* error) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  // SO_SNDTIMEO also bounds connect() on a Unix socket whose backlog is full.
  for (int option : {SO_RCVTIMEO, SO_SNDTIMEO}) {
    if (::setsockopt(socket, SOL_SOCKET, option, &tv, sizeof(tv)) < 0) {
      *error = SystemError("setsockopt", errno, "Rendezvous failed");
      return false;
    }
  }
  return true;
}

// Waits for the reply with one deadline: a signal that interrupts the wait
// does not start the timeout over (SO_RCVTIMEO alone would, on each retry).
bool WaitReadable(int socket, std::chrono::milliseconds timeout, Error* error) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd entry{socket, POLLIN, 0};
    int ready =
        ::poll(&entry, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready > 0)
      return true;
    if (ready == 0) {
      *error = SystemError("poll", ETIMEDOUT, "No rendezvous reply",
                           codes::kTimeout);
      return false;
    }
    if (errno != EINTR) {
      *error = SystemError("poll", errno, "No rendezvous reply");
      return false;
    }
  }
}

Error TimeoutOr(const char* syscall, int err, const char* what) {
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS)
    return SystemError(syscall, err, what, codes::kTimeout);
  return SystemError(syscall, err, what);
}

// Connects to the server at `config.endpoint`, bounded by its timeout.
bool ConnectToServer(const ClientConfig& config,
                     ScopedFd* connected,
                     Error* error) {
  sockaddr_un address;
  socklen_t length;
  if (!EndpointAddress(config.endpoint, &address, &length)) {
    *error = Error::Make(codes::kBadEndpoint,
                         "'" + config.endpoint +
                             "' is not a rendezvous endpoint on this platform");
    return false;
  }
  ScopedFd socket(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!socket) {
    *error = SystemError("socket", errno, "Rendezvous failed");
    return false;
  }
  if (config.timeout.count() > 0 &&
      !SetTimeouts(socket.get(), config.timeout, error)) {
    return false;
  }
  int result;
  do {
    result =
        ::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), length);
  } while (result < 0 && errno == EINTR);
  if (result < 0) {
    int err = errno;
    if (err == ECONNREFUSED || err == ENOENT) {
      *error = SystemError("connect", err,
                           "No rendezvous server at " + config.endpoint,
                           codes::kNoServer);
    } else {
      *error = TimeoutOr("connect", err, "Rendezvous failed");
    }
    return false;
  }
  *connected = std::move(socket);
  return true;
}

// The kernel recorded who created the listening socket; only the parent
// that launched us may hand us rights.
bool CheckServerIsParent(int socket,
                         const ClientConfig& config,
                         pid_t* server_pid,
                         Error* error) {
  ucred credentials{};
  socklen_t credentials_length = sizeof(credentials);
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials,
                   &credentials_length) < 0) {
    *error = SystemError("getsockopt", errno, "Rendezvous failed");
    return false;
  }
  if (credentials.pid != config.expected_server_pid) {
    config.log("refusing server pid %d: expected parent %lld", credentials.pid,
               static_cast<long long>(config.expected_server_pid));
    *error = Error::Make(codes::kNotParent,
                         "The rendezvous server is process " +
                             std::to_string(credentials.pid) +
                             ", not this process's parent " +
                             std::to_string(config.expected_server_pid));
    return false;
  }
  *server_pid = credentials.pid;
  return true;
}

// Waits for the reply and receives it whole: every byte and descriptor, or
// an error saying what was missing or too much.
bool ReceiveReply(int socket,
                  std::chrono::milliseconds timeout,
                  ReceivedMessage* reply,
                  Error* error) {
  if (!WaitReadable(socket, timeout, error))
    return false;
  // One byte more than the largest valid reply, so an oversized one shows.
  ssize_t received =
      ReceiveWithFds(socket, wire::MaxReplySize() + 1,
                     kMaxRightsPerRegistration, MSG_DONTWAIT, reply);
  if (received < 0) {
    *error = TimeoutOr("recvmsg", errno, "No rendezvous reply");
    return false;
  }
  if (received == 0) {
    // As on macOS when the reply right dies unanswered: the server stopped,
    // or dropped this request, before it answered.
    *error = Error::Make(codes::kNoReply,
                         "The rendezvous server closed without replying");
    return false;
  }
  if (reply->fds_error != 0) {
    *error = SystemError("recvmsg", reply->fds_error,
                         "The rendezvous reply's descriptors could not be "
                         "received");
    return false;
  }
  if (reply->truncated || reply->fds_truncated) {
    *error = Error::Make(codes::kBadReply,
                         reply->fds_truncated
                             ? "Rendezvous reply carried more handles than "
                               "allowed"
                             : "Rendezvous reply is too large");
    return false;
  }
  return true;
}

// Decodes the reply and hands its descriptors to `rights`, once the whole
// reply has been checked.
bool TakeReplyRights(ReceivedMessage& reply,
                     std::vector<ReceivedRight>* rights,
                     Error* error) {
  std::vector<wire::ReplyEntry> entries;
  std::string why;
  if (!wire::DecodeReply(reply.bytes.data(), reply.bytes.size(),
                         reply.fds.size(), &entries, &why)) {
    *error =
        Error::Make(codes::kBadReply, "Malformed rendezvous reply: " + why);
    return false;
  }
  for (const wire::ReplyEntry& entry : entries) {
    if (!IsDescriptorKind(entry.kind)) {
      *error = Error::Make(codes::kBadReply,
                           "Malformed rendezvous reply: a Linux reply carries "
                           "only file descriptors");
      return false;
    }
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    rights->push_back(ReceivedRight{
        entries[i].key, OwnedHandle(reply.fds[i].release(), entries[i].kind,
                                    entries[i].byte_length)});
  }
  return true;
}

}  // namespace

bool PerformRendezvous(const ClientConfig& config,
                       std::vector<ReceivedRight>* rights,
                       Error* error) {
  rights->clear();
  ScopedFd socket;
  if (!ConnectToServer(config, &socket, error))
    return false;
  pid_t server_pid = 0;
  if (!CheckServerIsParent(socket.get(), config, &server_pid, error))
    return false;
  if (SendWithFds(socket.get(), wire::EncodeRequest(), {}, 0) < 0) {
    *error = TimeoutOr("sendmsg", errno, "Rendezvous request failed");
    return false;
  }
  ReceivedMessage reply;
  if (!ReceiveReply(socket.get(), config.timeout, &reply, error) ||
      !TakeReplyRights(reply, rights, error)) {
    return false;
  }
  config.log("received %zu rights from pid %d", rights->size(), server_pid);
  return true;
}

}  // namespace rendezvous
