#include "win/pipe_event_source.h"

#include <uv.h>

#include <string>

#include "win/win_error.h"

namespace rendezvous {

namespace {

void CALLBACK WakeLoop(void* async, BOOLEAN /*timed_out*/) {
  uv_async_send(static_cast<uv_async_t*>(async));
}

class PipeEventSource : public LoopEventSource {
 public:
  // Takes `async`, initialised on its loop with OnAsync.
  PipeEventSource(uv_async_t* async, PipeReadiness* end)
      : async_(async), end_(end) {
    async_->data = this;
    UpdateRef();
  }

  bool Register(Error* error) {
    for (int i = 0; i < 2; ++i) {
      HANDLE event = i == 0 ? end_->read_event() : end_->write_event();
      if (!::RegisterWaitForSingleObject(&waits_[i], event, WakeLoop, async_,
                                         INFINITE, WT_EXECUTEINWAITTHREAD)) {
        waits_[i] = nullptr;
        *error = LastWindowsError("RegisterWaitForSingleObject",
                                  "Could not watch a channel");
        return false;
      }
    }
    return true;
  }

  ~PipeEventSource() override {
    if (reporting_ != nullptr)
      *reporting_ = true;
    // INVALID_HANDLE_VALUE: returns once no callback runs or will run, so
    // none can touch `async_` after it is closed.
    for (HANDLE& wait : waits_) {
      if (wait != nullptr)
        ::UnregisterWaitEx(wait, INVALID_HANDLE_VALUE);
    }
    // libuv frees a handle only once its close has run on the loop.
    uv_close(reinterpret_cast<uv_handle_t*>(async_), [](uv_handle_t* handle) {
      delete reinterpret_cast<uv_async_t*>(handle);
    });
  }

  bool Start(int events, Listener* listener, Error* /*error*/) override {
    listener_ = listener;
    wanted_ = events & (kReadable | kWritable);
    UpdateRef();
    // What is ready now is reported as uv_poll would: from the loop, soon.
    uv_async_send(async_);
    return true;
  }

  void Stop() override {
    wanted_ = 0;
    UpdateRef();
  }

  void SetLoopRef(bool ref) override {
    ref_ = ref;
    UpdateRef();
  }

 private:
  // An async handle is always active: it keeps the loop alive only while
  // the source watches something and its owner asked for that.
  void UpdateRef() {
    auto* handle = reinterpret_cast<uv_handle_t*>(async_);
    if (ref_ && wanted_ != 0)
      uv_ref(handle);
    else
      uv_unref(handle);
  }

  int ReadyEvents() {
    // As a reset socket is on Linux: a send would end the channel before
    // the peer's last frames are read, so the end is told to read first.
    if ((wanted_ & kWritable) && end_->WriteFoundPeerGone())
      return kReadable | kReset;
    int ready = 0;
    if ((wanted_ & kReadable) && end_->PollReadable())
      ready |= kReadable;
    if ((wanted_ & kWritable) && end_->PollWritable())
      ready |= kWritable;
    return ready;
  }

 public:
  static void OnAsync(uv_async_t* async) {
    auto* self = static_cast<PipeEventSource*>(async->data);
    int ready = self->ReadyEvents();
    if (ready == 0)
      return;
    // The listener may destroy this source while it hears of events.
    if (ready & kReset) {
      self->wanted_ = 0;  // stopped until Start() again, as promised
      self->UpdateRef();
    }
    bool destroyed = false;
    self->reporting_ = &destroyed;
    self->listener_->OnEvents(ready);
    if (destroyed)
      return;
    self->reporting_ = nullptr;
    // Still ready (the listener read only so much this turn): say so again
    // on the next turn, as a level-triggered poll does.
    if (self->ReadyEvents() != 0)
      uv_async_send(async);
  }

 private:
  uv_async_t* const async_;
  PipeReadiness* const end_;
  HANDLE waits_[2] = {nullptr, nullptr};
  Listener* listener_ = nullptr;
  int wanted_ = 0;
  bool ref_ = true;
  bool* reporting_ = nullptr;
};

}  // namespace

std::unique_ptr<LoopEventSource> WatchPipeOnLoop(EventLoop* loop,
                                                 PipeReadiness* end,
                                                 Error* error) {
  auto* async = new uv_async_t;
  int status = uv_async_init(loop, async, PipeEventSource::OnAsync);
  if (status != 0) {
    delete async;  // never initialised: nothing for libuv to close
    *error =
        Error::Make(codes::kSystem, std::string("Could not watch a channel: ") +
                                        uv_strerror(status));
    return nullptr;
  }
  auto source = std::make_unique<PipeEventSource>(async, end);
  if (!source->Register(error))
    return nullptr;
  return source;
}

}  // namespace rendezvous
