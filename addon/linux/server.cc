#include "linux/server.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "core/deferred_release.h"
#include "core/wire_format.h"
#include "linux/endpoint.h"
#include "linux/epoll_tags.h"
#include "linux/fd_passing.h"
#include "linux/fd_right.h"
#include "linux/peer_admission.h"
#include "linux/pidfd_exit_watch.h"
#include "linux/process_parent.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

using epoll_tags::EpollData;

constexpr int kMaxEventsPerWait = 64;

// How long the listener rests while the process is out of descriptors.
constexpr std::chrono::milliseconds kShortOfDescriptorsRetry{100};

bool IsShortOfDescriptors(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS ||
         error == ENOMEM;
}

int FdOf(const OwnedHandle& handle) {
  return static_cast<int>(handle.get());
}

}  // namespace

std::unique_ptr<ServerTransport> StartServer(RegistrationTable* table,
                                             const ServerConfig& config,
                                             Error* error) {
  return ThreadedServer::Start<LinuxServer>(table, config, error);
}

LinuxServer::LinuxServer(RegistrationTable* table, const ServerConfig& config)
    : ThreadedServer(table, config),
      policy_(table, config.limits, config.log, this) {}

bool LinuxServer::Listen(Error* error) {
  if (!MakeRandomEndpoint(&endpoint_, error))
    return false;
  listener_.reset(
      ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listener_) {
    *error = SystemError("socket", errno, "Could not start the server");
    return false;
  }
  sockaddr_un address;
  socklen_t length;
  EndpointAddress(endpoint_, &address, &length);
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) <
      0) {
    *error = SystemError("bind", errno, "Could not start the server");
    return false;
  }
  if (::listen(listener_.get(), SOMAXCONN) < 0) {
    *error = SystemError("listen", errno, "Could not start the server");
    return false;
  }
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) {
    *error = SystemError("epoll_create1", errno, "Could not start the server");
    return false;
  }
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_) {
    *error = SystemError("eventfd", errno, "Could not start the server");
    return false;
  }
  for (auto [fd, tag] : {std::pair{listener_.get(), epoll_tags::kListener},
                         std::pair{wake_.get(), epoll_tags::kWake}}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = EpollData(tag, 0);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
      *error = SystemError("epoll_ctl", errno, "Could not start the server");
      return false;
    }
  }
  return true;
}

LinuxServer::~LinuxServer() {
  StopThread();
  // The exit watches live in epoll_; release them while it is still open.
  table_->Clear();
  if (epoll_number_lost_)
    (void)epoll_.release();  // no longer ours to close
  config_.log("server stopped");
}

void LinuxServer::Wake() {
  uint64_t one = 1;
  // A full counter already means "wake up"; nothing else can fail here.
  ssize_t ignored = ::write(wake_.get(), &one, sizeof(one));
  (void)ignored;
}

void LinuxServer::Die(const char* syscall, int error) {
  config_.log("%s failed (errno %d); the server thread exits", syscall, error);
  epoll_number_lost_ = error == EBADF || error == EINVAL;
  RecordFailure(SystemError(syscall, error, "The rendezvous server stopped",
                            codes::kServerDied));
  listener_.reset();
  std::vector<uint64_t> ids;
  for (const auto& entry : connections_)
    ids.push_back(entry.first);
  for (uint64_t id : ids)
    DropConnection(id, "the server stopped");
}

std::unique_ptr<ExitWatch> LinuxServer::WatchExit(int32_t pid, Error* error) {
  return MakePidFdExitWatch(
      epoll_.get(), EpollData(epoll_tags::kExit, static_cast<uint32_t>(pid)),
      pid, error);
}

void LinuxServer::Run() {
  // Named, so its CPU time can be told apart in /proc/<pid>/task.
  pthread_setname_np(pthread_self(), "rendezvous");
  epoll_event events[kMaxEventsPerWait];
  while (!stopping()) {
    ResumeListenerIfDue(Clock::now());
    int timeout = MillisecondsUntilNextDeadline(Clock::now());
    int count = ::epoll_wait(epoll_.get(), events, kMaxEventsPerWait, timeout);
    if (count < 0) {
      // A signal is no failure: wait again. Anything else (EBADF, EINVAL:
      // the epoll set's number was closed or reused behind the server's
      // back) would fail again at once.
      if (errno == EINTR)
        continue;
      Die("epoll_wait", errno);
      return;
    }
    for (int i = 0; i < count; ++i) {
      uint64_t value = epoll_tags::ValueOf(events[i].data.u64);
      switch (epoll_tags::TagOf(events[i].data.u64)) {
        case epoll_tags::kListener:
          AcceptOne();
          break;
        case epoll_tags::kWake: {
          uint64_t counter;
          ssize_t ignored = ::read(wake_.get(), &counter, sizeof(counter));
          (void)ignored;
          break;
        }
        case epoll_tags::kConnection:
          OnConnectionReadable(value);
          break;
        case epoll_tags::kExit:
          OnChildExited(static_cast<int32_t>(static_cast<uint32_t>(value)));
          break;
      }
    }
    if (stopping())
      return;
    Clock::time_point now = Clock::now();
    ExpireSilentConnections(now);
    // Held requests are re-examined on every pass: a table change may have
    // answered them, and their deadlines (and resends) pass without any
    // event.
    policy_.OnTick(now);
  }
}

// One connection per wake-up: the listener is level-triggered, so epoll
// reports it again while more wait, and a child is not kept waiting for an
// accept4 that would only find the queue empty.
void LinuxServer::AcceptOne() {
  // Owned as a peer's from the start: even a connection refused below may
  // carry descriptors queued before it was accepted.
  int accepted = ::accept4(listener_.get(), nullptr, nullptr,
                           SOCK_CLOEXEC | SOCK_NONBLOCK);
  int accept_error = errno;
  OwnedHandle socket = PeerOwned(accepted);
  if (!socket.is_valid()) {
    OnAcceptFailed(accept_error);
    return;
  }
  short_of_descriptors_ = false;
  std::optional<AdmittedPeer> peer = AdmitPeer(FdOf(socket), config_.log);
  if (!peer)
    return;
  // Only a connection that will be kept may make room.
  if (connections_.size() >= config_.limits.max_connections && !MakeRoom()) {
    config_.log("refused a connection: %zu already open, none silent",
                connections_.size());
    return;
  }
  uint64_t id = next_connection_id_++;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.u64 = EpollData(epoll_tags::kConnection, id);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, FdOf(socket), &event) < 0) {
    config_.log("epoll_ctl failed for a connection (errno %d)", errno);
    return;
  }
  Connection connection;
  connection.socket = std::move(socket);
  connection.pid = peer->pid;
  connection.peer = std::move(peer->process);
  connection.read_deadline = Clock::now() + config_.limits.request_read_timeout;
  connections_.emplace(id, std::move(connection));
  // The request is usually there already (a client sends right after
  // connecting): read it now rather than after another epoll round.
  OnRequest(id);
}

void LinuxServer::OnAcceptFailed(int error) {
  if (IsShortOfDescriptors(error)) {
    if (!short_of_descriptors_) {
      config_.log(
          "accept4 failed (errno %d): out of descriptors; connections wait "
          "until some are free",
          error);
    }
    short_of_descriptors_ = true;
    PauseListener(Clock::now());
  } else if (error != EAGAIN && error != EWOULDBLOCK && error != EINTR &&
             error != ECONNABORTED) {
    config_.log("accept4 failed (errno %d)", error);
  }
}

void LinuxServer::PauseListener(Clock::time_point now) {
  if (!listener_paused_) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
    listener_paused_ = true;
  }
  listener_resume_at_ = now + kShortOfDescriptorsRetry;
}

void LinuxServer::ResumeListenerIfDue(Clock::time_point now) {
  if (!listener_paused_ || now < listener_resume_at_)
    return;
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = EpollData(epoll_tags::kListener, 0);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &event) < 0) {
    listener_resume_at_ = now + kShortOfDescriptorsRetry;
    return;
  }
  listener_paused_ = false;
}

OwnedHandle LinuxServer::PeerOwned(int fd) const {
  OwnedHandle handle(fd, RightKind::kFd);
  handle.ReleaseThrough(config_.deferred_release);
  return handle;
}

// At the connection limit the oldest connection that has not asked yet makes
// room, rather than the newcomer being refused: a child sends its request
// as it connects (and it is read at accept), so idle connections, however
// many are opened, cannot keep a child out. A request already queued on a
// candidate is read first, so a connection is closed only if it really is
// silent. Held requests have their own limit and are kept.
bool LinuxServer::MakeRoom() {
  // Ids grow with time: oldest first.
  std::vector<uint64_t> candidates;
  for (const auto& entry : connections_) {
    if (!policy_.IsWaiting(entry.first))
      candidates.push_back(entry.first);
  }
  for (uint64_t id : candidates) {
    OnRequest(id);
    auto it = connections_.find(id);
    if (it == connections_.end())
      return true;  // answered (or malformed): its slot is free
    if (policy_.IsWaiting(id))
      continue;  // it had asked after all, and waits for its answer
    DropConnection(id, "the oldest silent connection, closed to make room");
    return true;
  }
  return false;
}

void LinuxServer::OnConnectionReadable(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end())
    return;
  if (policy_.IsWaiting(id)) {
    // The client has nothing more to say: this is its hang-up (or noise).
    DropConnection(id, "client left before it was answered");
    return;
  }
  OnRequest(id);
}

void LinuxServer::OnRequest(uint64_t id) {
  Connection& connection = connections_.at(id);
  ReceivedMessage message;
  ssize_t received = ReceiveWithFds(FdOf(connection.socket), wire::kRequestSize,
                                    0, MSG_DONTWAIT, &message);
  // A request carries no descriptors: any that came are the peer's to lose,
  // closed on the release thread.
  for (ScopedFd& fd : message.fds) {
    config_.deferred_release->Release(
        OwnedHandle(fd.release(), RightKind::kFd));
  }
  if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return;
  if (received <= 0) {
    DropConnection(id, "client closed before asking");
    return;
  }
  if (message.truncated || message.fds_truncated ||
      !wire::DecodeRequest(message.bytes.data(), message.bytes.size())) {
    DropConnection(id, "malformed request");
    return;
  }
  int32_t pid = connection.pid;
  config_.log("request from pid %d", pid);
  const ScopedPidFd& peer = connection.peer;
  // May answer, and so drop, the connection: nothing here uses it after.
  policy_.OnRequest(id, pid, Clock::now(),
                    [&] { return IsChildOfThisProcess(pid, peer); });
}

bool LinuxServer::IsBoundProcess(uint64_t id, const ClaimedRights& claimed) {
  auto it = connections_.find(id);
  // The child existed before the claim, so if both are alive now they are
  // one.
  return it != connections_.end() && !it->second.peer.HasExited() &&
         !(claimed.exit_watch && claimed.exit_watch->HasExited());
}

SendOutcome LinuxServer::Send(uint64_t id, ClaimedRights& claimed) {
  auto it = connections_.find(id);
  if (it == connections_.end())
    return SendOutcome{SendResult::kRefused, ENOTCONN, ""};
  std::vector<int> fds;
  for (const auto& entry : claimed.rights)
    fds.push_back(FdOfRight(*entry.second));
  // The kernel takes references of its own: a send never consumes the
  // server's descriptors, whatever becomes of it.
  ssize_t sent = SendWithFds(FdOf(it->second.socket),
                             wire::EncodeReply(wire::EntriesOf(claimed.rights)),
                             fds, MSG_DONTWAIT);
  if (sent >= 0)
    return SendOutcome{};
  int error = errno;
  // ETOOMANYREFS: the user's descriptors in flight exceed this process's
  // RLIMIT_NOFILE, which any process of the user can cause; the others are
  // shortages of kernel memory. Each passes.
  bool for_now = error == ETOOMANYREFS || error == ENOBUFS || error == ENOMEM ||
                 error == EAGAIN;
  return SendOutcome{
      for_now ? SendResult::kRefusedForNow : SendResult::kRefused, error,
      error == ETOOMANYREFS ? "too many descriptors in flight for this user"
                            : ""};
}

void LinuxServer::Finish(uint64_t id) {
  DropConnection(id, nullptr);
}

void LinuxServer::OnChildExited(int32_t pid) {
  if (table_->ReleaseIfExited(pid))
    config_.log("pid %d exited before claiming; its rights are released", pid);
}

void LinuxServer::ExpireSilentConnections(Clock::time_point now) {
  std::vector<uint64_t> expired;
  for (const auto& [id, connection] : connections_) {
    if (!policy_.IsWaiting(id) && now >= connection.read_deadline)
      expired.push_back(id);
  }
  for (uint64_t id : expired)
    DropConnection(id, "client sent no request in time");
}

int LinuxServer::MillisecondsUntilNextDeadline(Clock::time_point now) const {
  std::optional<Clock::time_point> next = policy_.NextDeadline();
  if (listener_paused_ && (!next || listener_resume_at_ < *next))
    next = listener_resume_at_;
  for (const auto& [id, connection] : connections_) {
    if (!policy_.IsWaiting(id) && (!next || connection.read_deadline < *next))
      next = connection.read_deadline;
  }
  if (!next)
    return -1;
  if (*next <= now)
    return 0;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - now);
  return static_cast<int>(std::min<int64_t>(wait.count(), 60 * 1000));
}

void LinuxServer::DropConnection(uint64_t id, const char* why) {
  auto it = connections_.find(id);
  if (it == connections_.end())
    return;
  if (why)
    config_.log("dropped pid %d's connection: %s", it->second.pid, why);
  policy_.Forget(id);
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, FdOf(it->second.socket), nullptr);
  connections_.erase(it);
}

}  // namespace rendezvous
