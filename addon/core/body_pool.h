// The bodies a channel end keeps for its large messages (see
// ChannelSender): a fresh body costs a new memory object whose every page
// faults in as it is first written, which on a loaded machine makes a large
// message several times slower than copying into memory already touched.
// So the end keeps a few bodies, already written once, and fills one again
// once its receiver has said it is done with it. This is the bookkeeping
// only (which body is free, which the peer still holds, which to drop); the
// bodies themselves come from the transport (PooledBody).
//
// The rule that keeps messages values: a body is outstanding from the
// moment it is handed out until the peer releases it, and an outstanding
// body is never handed out again, whatever the peer sends.
//
// Thread use: the end's JS thread only; the process-wide count of pooled
// bytes is atomic.
#ifndef ADDON_CORE_BODY_POOL_H_
#define ADDON_CORE_BODY_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/owned_handle.h"

namespace rendezvous {

// A body the sender may write again: its size fixed (sealed against
// shrinking and growing, never against writes).
class PooledBody {
 public:
  virtual ~PooledBody() = default;
  virtual uint64_t capacity() const = 0;
  // Writes `size` bytes (at most capacity()) at the body's start. How is the
  // backend's: the cheapest way to fill memory differs between a new body
  // and one already filled.
  virtual bool Fill(const uint8_t* data, uint64_t size, Error* error) = 0;
  // A new handle to the body, to travel with one message.
  virtual bool Duplicate(OwnedHandle* out, Error* error) const = 0;
};

struct BodyPoolLimits {
  // A receiver that takes bodies as views in place keeps each until its
  // view is collected, so a stream of messages has as many out as arrive
  // between two of its collections: with 4, a stream of 4-8 MiB messages
  // took a new body for most of them (1.9-2.3 GB/s delivered); with 16,
  // 3.0-4.3 GB/s. Each free one is dropped after idle_milliseconds.
  size_t max_bodies = 16;
  uint64_t max_bytes = uint64_t{512} << 20;
  // A free body unused this long is dropped (DropIdle).
  uint64_t idle_milliseconds = 1500;
};

// What every pool in the process may hold at once, free or outstanding.
inline constexpr uint64_t kMaxPooledBytesPerProcess = uint64_t{1} << 30;

enum class BodyRelease { kReleased, kUnknown, kNotOutstanding };

class BodyPool {
 public:
  explicit BodyPool(BodyPoolLimits limits = {}) : limits_(limits) {}
  BodyPool(const BodyPool&) = delete;
  BodyPool& operator=(const BodyPool&) = delete;
  ~BodyPool() { Clear(); }

  // The capacity of the body a message of `size` bytes uses: the next
  // power of two, at least 1 MiB, so messages of similar sizes share bodies.
  static uint64_t SizeClass(uint64_t size);

  struct Lease {
    uint64_t id = 0;
    PooledBody* body = nullptr;
  };
  // A free body of capacity `size_class`, now outstanding; false if none.
  bool Acquire(uint64_t size_class, uint64_t now_ms, Lease* out);
  // Whether a new body of `size_class` bytes may join, after dropping free
  // bodies (least recently used first) to make room. False when the
  // outstanding ones leave none: the message then goes in a fresh body.
  bool MakeRoom(uint64_t size_class);
  // Adds a new body, outstanding (it is about to carry a message).
  Lease Add(std::unique_ptr<PooledBody> body, uint64_t now_ms);
  // The peer is done with body `id`: it becomes free. A peer may send
  // anything, so an id this pool never handed out, or one already free, is
  // refused and changes nothing.
  BodyRelease Release(uint64_t id, uint64_t now_ms);
  // Drops free bodies unused for idle_milliseconds.
  void DropIdle(uint64_t now_ms);
  // Drops every body (the end closed).
  void Clear();

  bool has_free() const;
  size_t size() const { return entries_.size(); }
  uint64_t pooled_bytes() const { return pooled_bytes_; }
  // Messages sent in a body taken again from the pool, and bodies made.
  uint64_t reuses() const { return reuses_; }
  uint64_t created() const { return created_; }

  // Bytes all pools in the process hold.
  static uint64_t process_pooled_bytes();

 private:
  struct Entry {
    uint64_t id = 0;
    std::unique_ptr<PooledBody> body;
    bool outstanding = false;
    uint64_t last_used_ms = 0;
  };
  void Drop(size_t index);

  const BodyPoolLimits limits_;
  std::vector<Entry> entries_;
  uint64_t next_id_ = 1;
  uint64_t pooled_bytes_ = 0;
  uint64_t reuses_ = 0;
  uint64_t created_ = 0;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_BODY_POOL_H_
