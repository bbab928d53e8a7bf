#include "core/body_pool.h"

#include <atomic>
#include <utility>

namespace rendezvous {

namespace {

constexpr uint64_t kSmallestClass = uint64_t{1} << 20;

std::atomic<uint64_t>& ProcessPooledBytes() {
  static std::atomic<uint64_t> bytes{0};
  return bytes;
}

}  // namespace

uint64_t BodyPool::SizeClass(uint64_t size) {
  uint64_t size_class = kSmallestClass;
  while (size_class < size && size_class < (uint64_t{1} << 62))
    size_class <<= 1;
  return size_class;
}

uint64_t BodyPool::process_pooled_bytes() {
  return ProcessPooledBytes().load();
}

bool BodyPool::Acquire(uint64_t size_class, uint64_t now_ms, Lease* out) {
  for (Entry& entry : entries_) {
    if (entry.outstanding || entry.body->capacity() != size_class)
      continue;
    entry.outstanding = true;
    entry.last_used_ms = now_ms;
    ++reuses_;
    *out = {entry.id, entry.body.get()};
    return true;
  }
  return false;
}

bool BodyPool::MakeRoom(uint64_t size_class) {
  if (size_class > limits_.max_bytes)
    return false;
  auto fits = [&] {
    return entries_.size() < limits_.max_bodies &&
           pooled_bytes_ + size_class <= limits_.max_bytes &&
           ProcessPooledBytes().load() + size_class <=
               kMaxPooledBytesPerProcess;
  };
  while (!fits()) {
    // The free body used longest ago goes first.
    size_t oldest = entries_.size();
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (!entries_[i].outstanding &&
          (oldest == entries_.size() ||
           entries_[i].last_used_ms < entries_[oldest].last_used_ms)) {
        oldest = i;
      }
    }
    if (oldest == entries_.size())
      return false;
    Drop(oldest);
  }
  return true;
}

BodyPool::Lease BodyPool::Add(std::unique_ptr<PooledBody> body,
                              uint64_t now_ms) {
  Entry entry;
  entry.id = next_id_++;
  entry.outstanding = true;
  entry.last_used_ms = now_ms;
  pooled_bytes_ += body->capacity();
  ProcessPooledBytes() += body->capacity();
  entry.body = std::move(body);
  ++created_;
  entries_.push_back(std::move(entry));
  return {entries_.back().id, entries_.back().body.get()};
}

BodyRelease BodyPool::Release(uint64_t id, uint64_t now_ms) {
  for (Entry& entry : entries_) {
    if (entry.id != id)
      continue;
    if (!entry.outstanding)
      return BodyRelease::kNotOutstanding;
    entry.outstanding = false;
    entry.last_used_ms = now_ms;
    return BodyRelease::kReleased;
  }
  // Ids are never used twice, so an id not here was never handed out or
  // named a body dropped since (which only a free one can be).
  return id > 0 && id < next_id_ ? BodyRelease::kNotOutstanding
                                 : BodyRelease::kUnknown;
}

void BodyPool::DropIdle(uint64_t now_ms) {
  for (size_t i = entries_.size(); i-- > 0;) {
    const Entry& entry = entries_[i];
    if (!entry.outstanding &&
        now_ms - entry.last_used_ms >= limits_.idle_milliseconds) {
      Drop(i);
    }
  }
}

void BodyPool::Clear() {
  while (!entries_.empty())
    Drop(entries_.size() - 1);
}

bool BodyPool::has_free() const {
  for (const Entry& entry : entries_) {
    if (!entry.outstanding)
      return true;
  }
  return false;
}

void BodyPool::Drop(size_t index) {
  uint64_t capacity = entries_[index].body->capacity();
  pooled_bytes_ -= capacity;
  ProcessPooledBytes() -= capacity;
  entries_.erase(entries_.begin() + static_cast<ptrdiff_t>(index));
}

}  // namespace rendezvous
