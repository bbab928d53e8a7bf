#include "core/deferred_release.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>

namespace rendezvous {

// Shared with the thread, which keeps it alive while it drains after Stop()
// gave up waiting.
struct DeferredRelease::Queue {
  std::mutex mutex;
  std::condition_variable work;     // the thread waits here
  std::condition_variable drained;  // Stop() waits here
  std::deque<OwnedHandle> handles;  // guarded by mutex
  bool started = false;             // guarded by mutex
  bool stopping = false;            // guarded by mutex
  bool finished = false;            // guarded by mutex
};

DeferredRelease::DeferredRelease(size_t capacity)
    : capacity_(capacity), queue_(std::make_shared<Queue>()) {}

DeferredRelease::~DeferredRelease() {
  Stop(std::chrono::milliseconds(0));
}

void DeferredRelease::Release(OwnedHandle handle) {
  if (!handle.is_valid())
    return;
  // Released here or by the thread, never through this object again.
  handle.ReleaseThrough(nullptr);
  std::unique_lock<std::mutex> lock(queue_->mutex);
  if (!queue_->stopping && !queue_->started) {
    std::shared_ptr<Queue> queue = queue_;
    thread_ = std::thread([queue] { Drain(queue); });
    queue_->started = true;
  }
  if (queue_->stopping || queue_->handles.size() >= capacity_) {
    lock.unlock();
    handle.reset();
    return;
  }
  queue_->handles.push_back(std::move(handle));
  queue_->work.notify_one();
}

void DeferredRelease::Destroy(std::unique_ptr<ChannelTransport> transport) {
  if (transport && transport->ReleaseOffThread())
    Release(transport->ReleaseEndpoint());
  transport.reset();
}

void DeferredRelease::Stop(std::chrono::milliseconds drain_bound) {
  std::unique_lock<std::mutex> lock(queue_->mutex);
  queue_->stopping = true;
  queue_->work.notify_one();
  if (!thread_.joinable())
    return;
  bool finished = queue_->drained.wait_for(lock, drain_bound,
                                           [this] { return queue_->finished; });
  lock.unlock();
  if (finished)
    thread_.join();
  else
    thread_.detach();
}

void DeferredTransportDeleter::operator()(ChannelTransport* transport) const {
  std::unique_ptr<ChannelTransport> owned(transport);
  if (through_)
    through_->Destroy(std::move(owned));
}

void DeferredRelease::Drain(const std::shared_ptr<Queue>& queue) {
  std::unique_lock<std::mutex> lock(queue->mutex);
  for (;;) {
    queue->work.wait(
        lock, [&] { return !queue->handles.empty() || queue->stopping; });
    if (queue->handles.empty())
      break;
    OwnedHandle handle = std::move(queue->handles.front());
    queue->handles.pop_front();
    lock.unlock();
    handle.reset();  // may block: that is what this thread is for
    lock.lock();
  }
  queue->finished = true;
  queue->drained.notify_all();
}

}  // namespace rendezvous
