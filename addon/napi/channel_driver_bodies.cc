// ChannelDriver's side of pooled out-of-line bodies (core/body_pool.h): the
// releases this end owes its peer for bodies it no longer reads, the
// releases the peer sends for this end's bodies, and the timer that drops
// this end's idle ones.
#include <string>
#include <utility>
#include <vector>

#include "napi/channel_driver.h"

namespace rendezvous {

namespace {

// How often free pooled bodies are checked for idleness (see
// BodyPoolLimits::idle_milliseconds).
constexpr uint64_t kPoolCheckMilliseconds = 500;

}  // namespace

std::shared_ptr<BodyReleaseQueue> ChannelDriver::body_releases() {
  if (!body_releases_) {
    release_wake_ = new uv_async_t;
    uv_async_init(loop_, release_wake_, [](uv_async_t* wake) {
      (void)static_cast<ChannelDriver*>(wake->data)->SendBodyReleases();
    });
    release_wake_->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(release_wake_));
    body_releases_ = std::make_shared<BodyReleaseQueue>(release_wake_);
  }
  return body_releases_;
}

// Tells the peer of every pooled body this end has stopped reading; false
// if the end failed doing so (reported from the loop).
bool ChannelDriver::SendBodyReleases() {
  if (!body_releases_ || !transport_)
    return true;
  std::vector<uint64_t> ids = body_releases_->Take();
  if (ids.empty())
    return true;
  for (uint64_t id : ids) {
    Error error;
    IoStatus status = sender_.SendBodyReleased(id, transport_.get(), &error);
    if (status == IoStatus::kPeerClosed || status == IoStatus::kFailed) {
      Defer(status, error);
      return false;
    }
  }
  UpdateIo();
  return true;
}

// A peer may claim anything: a release of a body this end never sent, or
// does not count as held by the peer (released already, or never sent),
// is a bad message, and nothing is reused on its word.
bool ChannelDriver::AcceptBodyReleased(uint64_t id) {
  BodyRelease released = sender_.ReleaseBody(id);
  if (released != BodyRelease::kReleased) {
    Finish(IoStatus::kFailed,
           Error::Make(codes::kBadMessage,
                       std::string("The peer sent a bad message: ") +
                           (released == BodyRelease::kUnknown
                                ? "a release of a body never sent"
                                : "a release of a body it does not hold")));
    return false;
  }
  WatchIdleBodies();
  return true;
}

void ChannelDriver::WatchIdleBodies() {
  if (!pool_timer_) {
    pool_timer_ = NewTimer(false);
    uv_timer_start(pool_timer_, OnPoolTimer, kPoolCheckMilliseconds,
                   kPoolCheckMilliseconds);
  }
}

void ChannelDriver::OnPoolTimer(uv_timer_t* timer) {
  auto* self = static_cast<ChannelDriver*>(timer->data);
  if (!self->sender_.DropIdleBodies())
    self->StopIdleBodyWatch();
}

void ChannelDriver::StopIdleBodyWatch() {
  if (pool_timer_ == nullptr)
    return;
  uv_close(reinterpret_cast<uv_handle_t*>(pool_timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  pool_timer_ = nullptr;
}

// The end stops: bodies it received post nothing more (they may outlive it),
// and nothing more is sent.
void ChannelDriver::StopBodies() {
  StopIdleBodyWatch();
  if (!body_releases_)
    return;
  body_releases_->Detach();
  uv_close(reinterpret_cast<uv_handle_t*>(release_wake_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  release_wake_ = nullptr;
  body_releases_.reset();
}

}  // namespace rendezvous
