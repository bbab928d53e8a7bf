// The seam: the rendezvous server a backend runs for the core's
// registration table.
#ifndef ADDON_CORE_SEAM_SERVER_H_
#define ADDON_CORE_SEAM_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/debug_log.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/registration_table.h"

namespace rendezvous {

class DeferredRelease;

struct ServerConfig {
  ServerLimits limits;
  DebugLog log;
  // Where the server releases what a peer sent or could have loaded (its
  // connections, the descriptors on a request); must outlive the server.
  DeferredRelease* deferred_release = nullptr;
  // macOS: the bootstrap name starts with this (under the App Sandbox it must
  // be an application group id). The Linux backend does not use it.
  std::string name_prefix = "electron-port-rendezvous";
};

// The running server: owns its endpoint, its thread or queue, and its
// connections. Thread use: created, queried and stopped on the JS thread.
class ServerTransport {
 public:
  ServerTransport() = default;
  ServerTransport(const ServerTransport&) = delete;
  ServerTransport& operator=(const ServerTransport&) = delete;
  // Stops the server, waits until no handler can run any more, then releases
  // every registration in its table.
  virtual ~ServerTransport() = default;

  // What a child needs, in its environment, to find this server.
  virtual const std::string& endpoint() const = 0;
  // Starts watching `pid` so its unclaimed rights are released when it exits.
  virtual std::unique_ptr<ExitWatch> WatchExit(int32_t pid, Error* error) = 0;
  // Requests from children that asked before their launch was bound, held
  // until it is (or until they time out).
  virtual size_t held_request_count() const = 0;
  // Why the server stopped serving on its own (its thread met an error it
  // cannot go on after); nullopt while it serves. Once set it stays set, and
  // everything that needs the server reports it until the server is stopped.
  virtual std::optional<Error> failure() const { return std::nullopt; }
};

// Starts serving `table` (which must outlive the transport).
std::unique_ptr<ServerTransport> StartServer(RegistrationTable* table,
                                             const ServerConfig& config,
                                             Error* error);

}  // namespace rendezvous

#endif  // ADDON_CORE_SEAM_SERVER_H_
