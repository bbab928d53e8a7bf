// The seam between the platform-neutral addon and one OS backend.
//
// Exactly one backend (addon/linux or addon/mac) is compiled in and defines
// every function declared here; nothing else in the addon includes an OS
// header. A new platform implements this file and nothing more.
#ifndef ADDON_CORE_PLATFORM_H_
#define ADDON_CORE_PLATFORM_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/debug_log.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/registration_table.h"
#include "core/right.h"

namespace rendezvous {

// A right as the caller describes it: a handle number and what the server
// should do with it (backend-specific disposition names).
struct RightSpec {
  uint32_t key = 0;
  int64_t handle = -1;
  std::string disposition;
  // What the handle carries for the child: kFd for a plain right (a Mach
  // right's kind then follows from its disposition), kSharedMemory or
  // kChannel for the payloads the JS layer wraps.
  RightKind payload = RightKind::kFd;
  uint64_t byte_length = 0;  // kSharedMemory only
};

// Checks every right without taking or opening anything, so it can run
// before anything else claims a descriptor number a stale handle names.
bool CheckRights(const std::vector<RightSpec>& specs, Error* error);

// Marks the descriptors `specs` moves close-on-exec: the server or a queued
// message holds them from now on, and a process launched meanwhile must not
// inherit them. Takes nothing; `specs` has passed CheckRights.
bool MarkMovedFdsCloseOnExec(const std::vector<RightSpec>& specs, Error* error);

// Takes a whole registration's rights into the server's ownership, all or
// nothing (it checks them again first): on failure nothing was taken and the
// caller still owns every handle. `specs` has already passed CheckRightSpecs.
bool AdoptRights(const std::vector<RightSpec>& specs,
                 RightsByKey* rights,
                 Error* error);

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

// One right received by a child; `handle` is now owned by the caller.
struct ReceivedRight {
  uint32_t key = 0;
  int64_t handle = -1;
  RightKind kind = RightKind::kFd;
  uint64_t byte_length = 0;  // kSharedMemory only: as the sender stated it
};

// Releases a handle this process owns (received, or held for a message):
// closes a descriptor, drops a Mach right of that kind.
void ReleaseReceivedRight(int64_t handle, RightKind kind);

// Makes a second owned handle for the same object (a new descriptor, or one
// more user reference on a send right), so a message can carry it while the
// caller keeps its own. Receive rights cannot be duplicated.
bool DuplicateHandle(int64_t handle,
                     RightKind kind,
                     int64_t* copy,
                     Error* error);

struct ClientConfig {
  std::string endpoint;
  int64_t expected_server_pid = 0;
  std::chrono::milliseconds timeout{15000};
  DebugLog log;
};

// The child's single round trip. On success `rights` holds every right the
// server sent (possibly none); on failure nothing was kept.
bool PerformRendezvous(const ClientConfig& config,
                       std::vector<ReceivedRight>* rights,
                       Error* error);

}  // namespace rendezvous

#endif  // ADDON_CORE_PLATFORM_H_
