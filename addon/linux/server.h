// The Linux rendezvous server: a SOCK_SEQPACKET socket in the abstract
// namespace, served by one epoll thread.
//
// Thread use: constructed, queried (endpoint, WatchExit) and destroyed on the
// JS thread; everything else runs on the server's own thread, which owns the
// connections and the reply policy (held requests, replies to resend). The
// registration table is shared, under its own lock.
//
// Ownership: the server owns its listening socket, epoll set, wake-up
// eventfd, thread and every accepted connection. Destroying it stops the
// thread, then releases every registration in the table, before closing the
// epoll set the exit watches are registered in. Connections, and any
// descriptor a request carries, are released through the configured
// DeferredRelease: a peer may have loaded them with descriptors whose close
// blocks, and none of that may stall this thread or the JS thread.
#ifndef ADDON_LINUX_SERVER_H_
#define ADDON_LINUX_SERVER_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/owned_handle.h"
#include "core/reply_policy.h"
#include "core/seam/server.h"
#include "core/threaded_server.h"
#include "linux/pidfd_exit_watch.h"
#include "posix/scoped_fd.h"

namespace rendezvous {

class LinuxServer : public ThreadedServer, private ReplyTransport {
 public:
  ~LinuxServer() override;

  size_t held_request_count() const override { return policy_.held_count(); }
  std::unique_ptr<ExitWatch> WatchExit(int32_t pid, Error* error) override;

 private:
  friend class ThreadedServer;  // constructs it in Start()
  using Clock = std::chrono::steady_clock;
  struct Connection {
    OwnedHandle socket;  // released through the DeferredRelease
    int32_t pid = 0;
    ScopedPidFd peer;  // the process that connected, not merely its pid
    Clock::time_point read_deadline;
  };

  LinuxServer(RegistrationTable* table, const ServerConfig& config);
  bool Listen(Error* error) override;
  void Wake() override;

  // Server thread.
  void Run() override;
  void AcceptOne();
  // Logs why accept4 failed; out of descriptors, rests the listener.
  void OnAcceptFailed(int error);
  void PauseListener(Clock::time_point now);
  void ResumeListenerIfDue(Clock::time_point now);
  OwnedHandle PeerOwned(int fd) const;
  bool MakeRoom();
  void OnConnectionReadable(uint64_t id);
  void OnRequest(uint64_t id);
  // ReplyTransport, over the connection `id`.
  bool IsBoundProcess(uint64_t id, const ClaimedRights& claimed) override;
  // A stranger's connection is closed unanswered: it learns nothing.
  bool AnswersStrangersEmpty() const override { return false; }
  SendOutcome Send(uint64_t id, ClaimedRights& claimed) override;
  void Finish(uint64_t id) override;
  void OnChildExited(int32_t pid);
  void ExpireSilentConnections(Clock::time_point now);
  int MillisecondsUntilNextDeadline(Clock::time_point now) const;
  void DropConnection(uint64_t id, const char* why);
  // Ends the loop after `syscall` failed in a way it cannot go on after:
  // records why, and stops listening and drops every connection, so
  // children fail at once (nobody listening, or no reply) rather than wait
  // out their timeout.
  void Die(const char* syscall, int error);

  ScopedFd listener_;
  ScopedFd epoll_;
  ScopedFd wake_;

  // Server thread only.
  std::map<uint64_t, Connection> connections_;
  uint64_t next_connection_id_ = 1;
  // Answers connections by id: after connections_, so it goes first.
  ReplyPolicy policy_;
  // Out of descriptors (EMFILE and the like), accept4 fails while the
  // listener stays readable: it is left out of the epoll set until
  // `listener_resume_at_`, then tried again. One shortage, however long, is
  // logged once.
  bool listener_paused_ = false;
  bool short_of_descriptors_ = false;
  Clock::time_point listener_resume_at_;

  // Set by Die() when epoll_'s number stopped naming the epoll set
  // (something else in the process closed it): it may be another owner's
  // descriptor by now, so it is not closed again. Read after the join.
  bool epoll_number_lost_ = false;
};

}  // namespace rendezvous

#endif  // ADDON_LINUX_SERVER_H_
