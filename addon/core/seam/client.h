// The seam: the child's side of the rendezvous.
#ifndef ADDON_CORE_SEAM_CLIENT_H_
#define ADDON_CORE_SEAM_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/debug_log.h"
#include "core/error.h"
#include "core/owned_handle.h"

namespace rendezvous {

// One right received by a child. `handle` carries its kind and, for a
// shared memory region, the byte length the sender stated.
struct ReceivedRight {
  uint32_t key = 0;
  OwnedHandle handle;
};

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

#endif  // ADDON_CORE_SEAM_CLIENT_H_
