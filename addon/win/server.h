// The Windows rendezvous server: a message-mode named pipe, served by one
// thread over an I/O completion port.
//
// Thread use: constructed, queried (endpoint, WatchExit) and destroyed on the
// JS thread; everything else runs on the server's own thread, which owns the
// pipe instances and the reply policy. The registration table is shared,
// under its own lock. Exit watches (thread-pool waits) only post a packet to
// the port; the server's thread does the releasing.
//
// Every pipe operation is overlapped: a child that dies mid-request only
// completes its pending read with an error, and never holds the thread. One
// instance always waits for the next connection.
//
// Ownership: the server owns the port, every pipe instance and the buffers
// their pending operations write to. Destroying it stops the thread, then
// releases every registration in the table (their waits post to the port,
// so the port outlives them), then cancels and closes every instance.
#ifndef ADDON_WIN_SERVER_H_
#define ADDON_WIN_SERVER_H_

#include <windows.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/reply_policy.h"
#include "core/seam/server.h"
#include "core/threaded_server.h"
#include "core/wire_format.h"
#include "win/owner_only_security.h"
#include "win/pipe_endpoint.h"
#include "win/scoped_handle.h"

namespace rendezvous {

class WinServer : public ThreadedServer, private ReplyTransport {
 public:
  ~WinServer() override;

  size_t held_request_count() const override { return policy_.held_count(); }
  std::unique_ptr<ExitWatch> WatchExit(int32_t pid, Error* error) override;

 private:
  friend class ThreadedServer;  // constructs it in Start()
  using Clock = std::chrono::steady_clock;
  enum class Stage {
    kListening,  // waiting for a client to connect
    kReading,    // connected; its request not read yet
    kAsked,      // request read: held, or its reply waits to be resent
    kAnswered,   // reply written; kept until the client closes its end
  };
  // One pipe instance. Lives at a stable address while the system may write
  // to `read` (a connect or read under way).
  struct Instance {
    uint64_t id = 0;
    ScopedHandle pipe;
    OVERLAPPED read{};
    bool read_pending = false;
    Stage stage = Stage::kListening;
    uint8_t buffer[wire::kRequestSize + 1] = {};
    int32_t pid = 0;
    ScopedHandle process;  // the process that connected, not merely its pid
    Clock::time_point deadline;
  };

  WinServer(RegistrationTable* table, const ServerConfig& config);
  bool Listen(Error* error) override;
  bool NewListener(bool first, Error* error);
  void Wake() override;

  // Server thread.
  void Run() override;
  void OnPacket(ULONG_PTR key,
                DWORD bytes,
                OVERLAPPED* overlapped,
                DWORD error);
  void OnConnected(std::unique_ptr<Instance> instance);
  void StartRead(Instance* instance);
  void OnRead(uint64_t id, DWORD bytes, DWORD error);
  void OnRequest(uint64_t id, DWORD bytes);
  bool MakeRoom();
  bool IsBoundProcess(uint64_t id, const ClaimedRights& claimed) override;
  bool AnswersStrangersEmpty() const override { return false; }
  SendOutcome Send(uint64_t id, ClaimedRights& claimed) override;
  void Finish(uint64_t id) override;
  bool WriteReply(HANDLE pipe, const std::vector<uint8_t>& frame, DWORD* error);
  void OnChildExited(int32_t pid);
  void ExpireConnections(Clock::time_point now);
  DWORD MillisecondsUntilNextDeadline(Clock::time_point now) const;
  void DropConnection(uint64_t id, const char* why);
  // Cancels what `instance` has under way and keeps its memory until the
  // system says the cancelled operation is over.
  void Retire(std::unique_ptr<Instance> instance);
  void Die(const char* call, DWORD error);

  std::unique_ptr<OwnerOnlySecurity> security_;
  // Before everything that may post to it or hold exit watches (the policy
  // keeps claimed rights, with their watches, for replies to resend).
  ScopedHandle port_;
  ScopedHandle write_done_;

  // Server thread only.
  std::unique_ptr<Instance> listener_;
  std::optional<Clock::time_point> listener_retry_at_;
  std::map<uint64_t, std::unique_ptr<Instance>> connections_;
  std::map<uint64_t, std::unique_ptr<Instance>> retired_;
  uint64_t next_id_ = 16;  // below: the port's own keys
  ReplyPolicy policy_;
};

}  // namespace rendezvous

#endif  // ADDON_WIN_SERVER_H_
