// How a channel end hears from its transport on the event loop, without
// assuming a POSIX descriptor. The transport makes its source
// (ChannelTransport::WatchOnLoop); the end's driver starts it for what it
// waits on and hears back on the loop's thread.
//
// POSIX (addon/posix/uv_poll_source, Linux and macOS alike) polls one
// descriptor with uv_poll: the socket on Linux, on macOS a kqueue that is
// readable while a message waits in the inbox. Windows has no descriptor to
// poll: a backend there would post its overlapped reads and writes on the
// loop's completion port (a named pipe opened with uv_pipe_open, or its own
// handle associated with the port) or wait on an event with
// RegisterWaitForSingleObject and wake the loop with uv_async_send; either
// way it calls OnEvents() on the loop's thread when a read or a blocked
// write may now make progress, which is all this interface promises.
//
// Thread use: the loop's thread only.
#ifndef ADDON_CORE_LOOP_EVENT_SOURCE_H_
#define ADDON_CORE_LOOP_EVENT_SOURCE_H_

#include "core/error.h"

// The loop is libuv's (Node's, on every platform); only its name is needed
// here, so core includes no libuv header.
struct uv_loop_s;

namespace rendezvous {

using EventLoop = uv_loop_s;

class LoopEventSource {
 public:
  // What a source reports, as bits.
  enum Events : int {
    kReadable = 1,  // a frame, or the peer's close, may be waiting
    kWritable = 2,  // a blocked send may now succeed
    // The end reported an error condition (a peer that closed with data of
    // ours unread resets it) yet what arrived before is still to be read.
    // The source has stopped: Start() it again to go on watching.
    kReset = 4,
  };

  class Listener {
   public:
    virtual void OnEvents(int events) = 0;
    // The loop stopped watching for good; the end cannot go on.
    virtual void OnWatchFailed(const Error& error) = 0;

   protected:
    ~Listener() = default;
  };

  LoopEventSource() = default;
  LoopEventSource(const LoopEventSource&) = delete;
  LoopEventSource& operator=(const LoopEventSource&) = delete;
  // Stops watching; nothing is reported after this returns.
  virtual ~LoopEventSource() = default;

  // Watches for `events` (kReadable and/or kWritable), reporting to
  // `listener` until Stop(), another Start() or destruction.
  virtual bool Start(int events, Listener* listener, Error* error) = 0;
  virtual void Stop() = 0;
  // Whether a started source keeps the loop alive.
  virtual void SetLoopRef(bool ref) = 0;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_LOOP_EVENT_SOURCE_H_
