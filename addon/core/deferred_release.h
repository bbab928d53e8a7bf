// Releases the handles another process sent (or could have loaded) on a
// thread of its own, so no close of theirs runs on the server thread or a
// JS thread.
//
// A close can block: the last close of a TCP socket with SO_LINGER set waits
// for its unsent data, up to the linger time, and closing a Unix socket
// closes every descriptor still queued in it, each of which may block the
// same way. A peer can send either, drop its own copy, and leave the last
// close to us.
//
// Thread use: Release() and Destroy() from any thread; Stop() and the
// destructor on the owner's thread (the environment's cleanup). The thread
// starts with the first release.
//
// Ownership: a queued handle is owned by the queue until the thread releases
// it. The queue outlives this object while its thread still drains it (see
// Stop()).
#ifndef ADDON_CORE_DEFERRED_RELEASE_H_
#define ADDON_CORE_DEFERRED_RELEASE_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>

#include "core/channel_transport.h"
#include "core/owned_handle.h"

namespace rendezvous {

class DeferredRelease {
 public:
  explicit DeferredRelease(size_t capacity);
  DeferredRelease(const DeferredRelease&) = delete;
  DeferredRelease& operator=(const DeferredRelease&) = delete;
  ~DeferredRelease();

  // Queues `handle` for the release thread. When the queue is full (a close
  // has blocked for as long as it took to queue `capacity` more), or after
  // Stop(), it is released here instead.
  void Release(OwnedHandle handle);
  // Destroys a channel end, off this thread where closing it may block on
  // what the peer left queued in it.
  void Destroy(std::unique_ptr<ChannelTransport> transport);

  // Lets the thread release what is queued, waiting at most `drain_bound`:
  // a close still blocked then is left to finish on its own (at process exit
  // a lingering socket no longer lingers).
  void Stop(std::chrono::milliseconds drain_bound);

 private:
  struct Queue;
  static void Drain(const std::shared_ptr<Queue>& queue);

  const size_t capacity_;
  std::shared_ptr<Queue> queue_;
  std::thread thread_;
};

// Deletes a channel end through a DeferredRelease (for unique_ptr).
class DeferredTransportDeleter {
 public:
  DeferredTransportDeleter() = default;
  explicit DeferredTransportDeleter(DeferredRelease* through)
      : through_(through) {}
  void operator()(ChannelTransport* transport) const;

 private:
  DeferredRelease* through_ = nullptr;
};

using DeferredTransport =
    std::unique_ptr<ChannelTransport, DeferredTransportDeleter>;

}  // namespace rendezvous

#endif  // ADDON_CORE_DEFERRED_RELEASE_H_
