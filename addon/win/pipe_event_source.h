// The Windows LoopEventSource (core/loop_event_source.h) for a pipe end
// doing overlapped I/O: a thread-pool wait on each of the end's two
// auto-reset events (its read and its write) wakes the loop with
// uv_async_send, and the loop's thread then asks the end what is ready.
// Readiness is level-triggered as uv_poll's is: while what is watched stays
// ready after a report, the source reports again on the next turn.
//
// Thread use: the loop's thread, except the waits' callbacks, which only
// call uv_async_send.
#ifndef ADDON_WIN_PIPE_EVENT_SOURCE_H_
#define ADDON_WIN_PIPE_EVENT_SOURCE_H_

#include <windows.h>

#include <memory>

#include "core/error.h"
#include "core/loop_event_source.h"

namespace rendezvous {

// What the source asks its end; the end outlives the source.
class PipeReadiness {
 public:
  // Signalled (auto-reset) when a read or write of the end completes.
  virtual HANDLE read_event() const = 0;
  virtual HANDLE write_event() const = 0;
  // Whether a frame (or the end of the stream, or an error) waits; if not,
  // the end makes sure its read event will be signalled when one does.
  virtual bool PollReadable() = 0;
  // Whether a send would not block on an earlier one.
  virtual bool PollWritable() = 0;
  // Whether the last write finished with the peer gone, which the end's
  // next send will report: what the peer sent before is still to be read.
  virtual bool WriteFoundPeerGone() = 0;

 protected:
  ~PipeReadiness() = default;
};

std::unique_ptr<LoopEventSource> WatchPipeOnLoop(EventLoop* loop,
                                                 PipeReadiness* end,
                                                 Error* error);

}  // namespace rendezvous

#endif  // ADDON_WIN_PIPE_EVENT_SOURCE_H_
