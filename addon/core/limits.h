// Bounds on everything a peer or a caller can make either side hold.
#ifndef ADDON_CORE_LIMITS_H_
#define ADDON_CORE_LIMITS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace rendezvous {

// One registration carries at most this many rights; a reply never announces
// more, so the receiver can size its buffers before it reads.
inline constexpr size_t kMaxRightsPerRegistration = 64;

// Keys are the wire format's uint32 key field.
inline constexpr int64_t kMaxKey = UINT32_MAX;

// The largest values a caller may give the server's options.
inline constexpr int64_t kMaxServerTimeoutMs = 3600 * 1000;
inline constexpr int64_t kMaxServerCapacity = 65536;

// Handles a peer sent that wait for the release thread (DeferredRelease).
// It falls this far behind only while one close blocks (a peer's lingering
// socket) and others keep coming.
inline constexpr size_t kMaxDeferredReleases = 4096;

// A channel message's data of at least this many bytes travels out of line
// (Linux: in a sealed memfd handed over with the message's one frame)
// instead of in frames through the socket. A body costs a new memfd, its
// pages, and a mapping on the receiving side; frames cost the socket's
// copies and the receiver's reassembly. Measured with
//   node bench/channel-sweep.js
// (its in-band and out-of-line columns, side by side at each size), on 2
// shared cores: delivered in place, out of line wins from 256 KiB (2.1 vs
// 1.5 GB/s) and loses at 64 KiB (1.1 vs 1.2); where the receiver copies
// (external buffers refused) it wins only from 64 MiB, because both ways
// then copy into new pages, which cost most on that machine. 1 MiB keeps
// the in-place gain and the copy-mode loss below 1.5x.
inline constexpr uint64_t kOutOfLineMessageBytes = 1024 * 1024;

struct ServerLimits {
  // How long a request from a pid nobody has registered yet is held while a
  // launch is pending, before it gets an empty answer.
  std::chrono::milliseconds pending_request_timeout{10000};
  // How long a connected client may take to send its request.
  std::chrono::milliseconds request_read_timeout{2000};
  // Requests held at once while launches are pending; more get an empty answer.
  size_t max_held_requests = 128;
  // Of those, held at once for any one pid: a child asks once.
  size_t max_held_requests_per_pid = 4;
  // Connections open at once (reading a request or held). At the limit the
  // oldest one that has not asked yet is closed to make room (Linux).
  size_t max_connections = 256;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_LIMITS_H_
