#include "napi/received_bodies.h"

#include <utility>

#include "napi/mapping_wrapper.h"

namespace rendezvous {

namespace {

class ReleasingMapping : public MappingWrapper {
 public:
  ReleasingMapping(std::unique_ptr<SharedMemoryMapping> mapping,
                   uint64_t id,
                   std::shared_ptr<BodyReleaseQueue> queue)
      : MappingWrapper(std::move(mapping)), id_(id), queue_(std::move(queue)) {}
  ~ReleasingMapping() override {
    // Unmapped before the peer hears of it: nothing here reads the body
    // once the peer may write it again.
    UnmapWrapped();
    queue_->Post(id_);
  }

 private:
  uint64_t id_;
  std::shared_ptr<BodyReleaseQueue> queue_;
};

}  // namespace

void BodyReleaseQueue::Post(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (wake_ == nullptr)
    return;
  ids_.push_back(id);
  uv_async_send(wake_);
}

std::vector<uint64_t> BodyReleaseQueue::Take() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(ids_, {});
}

void BodyReleaseQueue::Detach() {
  std::lock_guard<std::mutex> lock(mutex_);
  wake_ = nullptr;
  ids_.clear();
}

std::unique_ptr<SharedMemoryMapping> ReleasedWhenUnmapped(
    std::unique_ptr<SharedMemoryMapping> mapping,
    uint64_t id,
    std::shared_ptr<BodyReleaseQueue> queue) {
  if (!mapping)
    return nullptr;
  return std::make_unique<ReleasingMapping>(std::move(mapping), id,
                                            std::move(queue));
}

}  // namespace rendezvous
