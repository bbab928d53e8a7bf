// One channel end's I/O on its event loop: owns the transport, watches it
// through the transport's LoopEventSource, reads frames into whole messages,
// queues what the transport cannot take yet, and tells its Listener of
// messages, 'drain' and the end's finish. Nothing here knows of JS: the
// bindings (napi/channel_bindings.cc) wrap it.
//
// Thread use: the loop's thread only.
#ifndef ADDON_NAPI_CHANNEL_DRIVER_H_
#define ADDON_NAPI_CHANNEL_DRIVER_H_

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/channel_frames.h"
#include "core/channel_sender.h"
#include "core/channel_transport.h"
#include "core/deferred_release.h"
#include "core/loop_event_source.h"
#include "napi/received_bodies.h"

namespace rendezvous {

class ChannelDriver final : private LoopEventSource::Listener {
 public:
  class Listener {
   public:
    // A whole message and its handles (which release through the driver's
    // DeferredRelease wherever they are dropped).
    virtual void OnMessage(frames::AssembledMessage message,
                           std::vector<OwnedHandle> handles) = 0;
    virtual void OnDrain() = 0;
    // The end finished (kPeerClosed, or kFailed with `error`): its I/O has
    // stopped and its transport is gone.
    virtual void OnFinished(IoStatus status, const Error& error) = 0;
    // Whether the end waits on the loop (reading, sending, or a failure to
    // report), so its owner has to stay alive. A finished or shut down end
    // waits on nothing; that is not reported.
    virtual void OnWaitingChanged(bool waiting) = 0;

   protected:
    ~Listener() = default;
  };

  // `release` and `listener` must outlive the driver.
  ChannelDriver(DeferredTransport transport,
                EventLoop* loop,
                DeferredRelease* release,
                Listener* listener);
  ChannelDriver(const ChannelDriver&) = delete;
  ChannelDriver& operator=(const ChannelDriver&) = delete;
  ~ChannelDriver();

  bool is_open() const { return transport_ != nullptr; }
  // What the writer has outstanding (ChannelSender::queued_bytes).
  uint64_t queued_bytes();
  // Nothing half sent or half received: the end can leave the process
  // without corrupting the stream.
  bool between_messages() const {
    return sender_.empty() && !assembler_.in_message();
  }

  // Begins reading (messages go to the listener).
  void StartReading();
  // Whether the queue has room for another message; else `error` says why
  // (ERR_RENDEZVOUS_QUEUE_FULL).
  bool CheckRoom(Error* error);
  // Sends a message, or queues what the transport does not take now.
  // Returns whether the writer may go on (false: wait for OnDrain). A send
  // that fails is reported from the loop, as a socket's would be.
  bool Send(const uint8_t* data,
            uint64_t size,
            bool is_text,
            std::vector<OwnedHandle> handles);
  // Whether an open end keeps the loop alive.
  void SetLoopRef(bool ref);
  // Stops all I/O and releases everything, without events.
  void Shutdown();
  // Gives up the end for transfer (between_messages() must hold): its
  // handle, kind kChannel, now the caller's.
  OwnedHandle ReleaseEndpoint();
  // Ends the channel now (OnFinished) for a bad message the owner found.
  void Fail(const Error& error);
  // Where the mappings of pooled bodies this end received post their ids
  // when they go, so the peer may fill them again.
  std::shared_ptr<BodyReleaseQueue> body_releases();

 private:
  void OnEvents(int events) override;
  void OnWatchFailed(const Error& error) override;

  void StopIo();
  void UpdateIo();
  bool WatchTransport(int events);
  void UpdateRetryTimer(bool retry);
  uv_timer_t* NewTimer(bool keeps_loop_alive);
  void SetWaiting(bool waiting);
  void FlushQueue();
  void ReadFrames();
  bool ReadFrame();
  void WatchForStall(bool started, bool in_message);
  void Finish(IoStatus status, const Error& error);
  void Defer(IoStatus status, const Error& error);
  bool SendBodyReleases();
  bool AcceptBodyReleased(uint64_t id);
  void WatchIdleBodies();
  void StopIdleBodyWatch();
  void StopBodies();
  static void OnTimer(uv_timer_t* timer);
  static void OnPoolTimer(uv_timer_t* timer);
  static void OnStallCheck(uv_timer_t* timer);

  DeferredTransport transport_;
  EventLoop* const loop_;
  DeferredRelease* const release_;
  Listener* const listener_;
  ChannelSender sender_;
  frames::MessageAssembler assembler_;
  std::vector<uint8_t> scratch_;
  std::vector<OwnedHandle> pending_handles_;
  std::unique_ptr<LoopEventSource> source_;
  // Retries a blocked send where writability cannot be watched, and
  // reports a deferred failure.
  uv_timer_t* timer_ = nullptr;
  uv_timer_t* stall_timer_ = nullptr;
  // Drops pooled bodies left idle; runs while any is free.
  uv_timer_t* pool_timer_ = nullptr;
  // Wakes the loop for body_releases_, made with the first pooled body.
  uv_async_t* release_wake_ = nullptr;
  std::shared_ptr<BodyReleaseQueue> body_releases_;
  const uint64_t stall_milliseconds_;
  uint64_t messages_started_ = 0;
  bool reading_ = false;
  bool waiting_ = false;
  bool loop_ref_ = true;
  bool deferred_ = false;
  bool needs_drain_ = false;
  IoStatus deferred_status_ = IoStatus::kDone;
  Error deferred_error_;
};

}  // namespace rendezvous

#endif  // ADDON_NAPI_CHANNEL_DRIVER_H_
