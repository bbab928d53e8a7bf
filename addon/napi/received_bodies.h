// Bodies a channel end received from a peer that pools them (flags
// kFlagPooledBody): the peer fills such a body again only once told it may,
// so when this end no longer reads one (its mapping goes: the JS region
// closed or collected, or its bytes copied out) the id is posted here, and
// the channel end sends a body released frame from its loop.
//
// Thread use: Post() from any thread (a mapping may go wherever its last
// owner drops it); the rest on the end's loop thread.
#ifndef ADDON_NAPI_RECEIVED_BODIES_H_
#define ADDON_NAPI_RECEIVED_BODIES_H_

#include <uv.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/shared_memory.h"

namespace rendezvous {

class BodyReleaseQueue {
 public:
  // `wake` (the end's, unreferenced) is signalled on each Post.
  explicit BodyReleaseQueue(uv_async_t* wake) : wake_(wake) {}
  BodyReleaseQueue(const BodyReleaseQueue&) = delete;
  BodyReleaseQueue& operator=(const BodyReleaseQueue&) = delete;

  // Body `id` is no longer read here. Dropped once the end is gone.
  void Post(uint64_t id);
  // The ids posted since the last call.
  std::vector<uint64_t> Take();
  // The end is going: later posts are dropped (before `wake` is closed).
  void Detach();

 private:
  std::mutex mutex_;
  uv_async_t* wake_;
  std::vector<uint64_t> ids_;
};

// Wraps the mapping of pooled body `id` so that its going posts `id` to
// `queue`, after it is unmapped.
std::unique_ptr<SharedMemoryMapping> ReleasedWhenUnmapped(
    std::unique_ptr<SharedMemoryMapping> mapping,
    uint64_t id,
    std::shared_ptr<BodyReleaseQueue> queue);

}  // namespace rendezvous

#endif  // ADDON_NAPI_RECEIVED_BODIES_H_
