#include "posix/uv_poll_source.h"

#include <uv.h>

#include <string>

namespace rendezvous {

namespace {

Error PollError(int status) {
  return Error::Make(
      codes::kSystem,
      std::string("Polling the channel failed: ") + uv_strerror(status));
}

class UvPollSource : public LoopEventSource {
 public:
  // Takes `poll`, initialised on its loop.
  explicit UvPollSource(uv_poll_t* poll) : poll_(poll) { poll_->data = this; }

  ~UvPollSource() override {
    uv_poll_stop(poll_);
    // libuv frees a handle only once its close has run on the loop.
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* handle) {
      delete reinterpret_cast<uv_poll_t*>(handle);
    });
  }

  bool Start(int events, Listener* listener, Error* error) override {
    listener_ = listener;
    int wanted = ((events & kReadable) ? UV_READABLE : 0) |
                 ((events & kWritable) ? UV_WRITABLE : 0);
    int status = uv_poll_start(poll_, wanted, OnPoll);
    if (status != 0) {
      *error = PollError(status);
      return false;
    }
    return true;
  }

  void Stop() override { uv_poll_stop(poll_); }

  void SetLoopRef(bool ref) override {
    if (ref)
      uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    else
      uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  }

 private:
  static void OnPoll(uv_poll_t* poll, int status, int events) {
    auto* self = static_cast<UvPollSource*>(poll->data);
    if (status == UV_EBADF) {
      // libuv's report of POLLERR, after which it stops the poll: a peer
      // that closed with our data unread resets the socket, but what it
      // sent before is still to be read.
      self->listener_->OnEvents(kReadable | kReset);
      return;
    }
    if (status < 0) {
      self->listener_->OnWatchFailed(PollError(status));
      return;
    }
    self->listener_->OnEvents(((events & UV_READABLE) ? kReadable : 0) |
                              ((events & UV_WRITABLE) ? kWritable : 0));
  }

  uv_poll_t* const poll_;
  Listener* listener_ = nullptr;
};

}  // namespace

std::unique_ptr<LoopEventSource> WatchDescriptorOnLoop(EventLoop* loop,
                                                       int fd,
                                                       Error* error) {
  auto* poll = new uv_poll_t;
  int status = uv_poll_init(loop, poll, fd);
  if (status != 0) {
    delete poll;  // never initialised: nothing for libuv to close
    *error = PollError(status);
    return nullptr;
  }
  return std::make_unique<UvPollSource>(poll);
}

}  // namespace rendezvous
