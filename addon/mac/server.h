// The macOS rendezvous server: a receive right checked in with launchd,
// served on a serial dispatch queue.
//
// Thread use: constructed, queried (endpoint, WatchExit) and destroyed on the
// JS thread; every handler runs on the server's serial queue, which owns the
// held requests. The registration table is shared, under its own lock.
//
// Ownership: the server owns its receive right, queue, sources and the reply
// rights of held requests. Destroying it cancels its sources, releases every
// registration, and drains the queue, so no handler runs after it is gone.
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
#include "core/seam/server.h"
#include "mac/messages.h"
#include "mac/scoped_dispatch_object.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous {

class MacServer : public ServerTransport {
 public:
  static std::unique_ptr<MacServer> Start(RegistrationTable* table,
                                          const ServerConfig& config,
                                          Error* error);
  ~MacServer() override;

  const std::string& endpoint() const override { return endpoint_; }
  size_t held_request_count() const override { return held_.count(); }
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
  // Drops held requests from an earlier process with `asker`'s pid.
  void DropSuperseded(const Asker& asker);
  // Puts the claim back, leaving `claimed` empty, when `asker` is not the
  // process the claimed rights were bound to.
  void KeepFromStranger(const Asker& asker, ClaimedRights* claimed);
  // This process's kernel unique id, read once (none if it cannot be read).
  std::optional<uint64_t> OwnUniqueId();
  void Answer(ScopedMachSendOnceRight reply,
              const Asker& asker,
              ClaimedRights claimed);
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
  struct Held {
    ScopedMachSendOnceRight reply;
    Asker asker;
  };
  std::map<uint64_t, Held> held_replies_;
  uint64_t next_request_id_ = 1;
  HeldRequests held_;
  std::optional<uint64_t> own_unique_id_;
};

}  // namespace rendezvous

#endif  // ADDON_MAC_SERVER_H_
