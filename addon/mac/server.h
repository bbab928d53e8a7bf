// The macOS rendezvous server: a receive right checked in with launchd,
// served on a serial dispatch queue.
//
// Thread use: constructed, queried (endpoint, WatchExit) and destroyed on the
// JS thread; every handler runs on the server's serial queue, which owns the
// reply policy (held requests, replies to resend) and the reply rights. The
// registration table is shared, under its own lock.
//
// Ownership: the server owns its receive right, queue, sources and the reply
// right of every request not answered yet. Destroying it cancels its sources,
// releases every registration, and drains the queue, so no handler runs after
// it is gone.
#ifndef ADDON_MAC_SERVER_H_
#define ADDON_MAC_SERVER_H_

#include <dispatch/dispatch.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/held_requests.h"
#include "core/reply_policy.h"
#include "core/seam/server.h"
#include "mac/messages.h"
#include "mac/scoped_dispatch_object.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous {

class MacServer : public ServerTransport, private ReplyTransport {
 public:
  static std::unique_ptr<MacServer> Start(RegistrationTable* table,
                                          const ServerConfig& config,
                                          Error* error);
  ~MacServer() override;

  const std::string& endpoint() const override { return endpoint_; }
  size_t held_request_count() const override { return policy_.held_count(); }
  std::unique_ptr<ExitWatch> WatchExit(int32_t pid, Error* error) override;

 private:
  using Clock = std::chrono::steady_clock;
  // What the server's own sources see; deleted by their finalizers.
  struct ServerRef {
    MacServer* server;
    // Handed over at shutdown: the receive source's cancel handler destroys
    // it, once the source has stopped watching it.
    mach_port_t receive_right = MACH_PORT_NULL;
  };

  MacServer(RegistrationTable* table, const ServerConfig& config);
  bool CheckIn(Error* error);

  // Who sent a request, as its audit token says.
  struct Asker {
    int32_t pid;
    int32_t pid_version;
  };

  // Queue only.
  void ReceiveAll();
  void OnRequest(mac::ReceivedRequest& request);
  // Drops requests waiting for an answer from an earlier process with
  // `asker`'s pid.
  void DropSuperseded(const Asker& asker);
  // This process's kernel unique id, read once (none if it cannot be read).
  std::optional<uint64_t> OwnUniqueId();
  // ReplyTransport, over the request's reply right.
  bool IsBoundProcess(uint64_t id, const ClaimedRights& claimed) override;
  // A stranger is answered empty: its reply right is used either way.
  bool AnswersStrangersEmpty() const override { return true; }
  SendOutcome Send(uint64_t id, ClaimedRights& claimed) override;
  void Finish(uint64_t id) override;
  void TearDownOnQueue();
  void ResolveHeld();
  void ArmTimer();

  RegistrationTable* const table_;
  const ServerConfig config_;
  std::string endpoint_;
  ScopedMachReceiveRight port_;
  ScopedDispatchObject<dispatch_queue_t> queue_;
  DispatchSource<ServerRef> receive_source_;
  DispatchSource<ServerRef> timer_;

  // Queue only.
  struct Request {
    ScopedMachSendOnceRight reply;
    Asker asker;
  };
  // Every request not answered yet: held, being answered, or its reply
  // refused for now and waiting to be sent again.
  std::map<uint64_t, Request> requests_;
  uint64_t next_request_id_ = 1;
  ReplyPolicy policy_;
  std::optional<uint64_t> own_unique_id_;
};

}  // namespace rendezvous

#endif  // ADDON_MAC_SERVER_H_
