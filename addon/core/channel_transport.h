// The seam for channels: each backend moves frames, with handles attached,
// between the two ends of a pair (SOCK_SEQPACKET sockets with SCM_RIGHTS on
// Linux, Mach messages on macOS). Framing, reassembly and every check on what
// a peer sent live above this, in core/channel_frames and the bindings.
//
// Thread use: one end is used from one thread (its JS thread) only.
#ifndef ADDON_CORE_CHANNEL_TRANSPORT_H_
#define ADDON_CORE_CHANNEL_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/body_pool.h"
#include "core/error.h"
#include "core/loop_event_source.h"
#include "core/owned_handle.h"
#include "core/shared_memory.h"

namespace rendezvous {

enum class IoStatus {
  kDone,        // one frame went out / came in
  kWouldBlock,  // nothing happened; wait for the end's event source
  kPeerClosed,  // the other end is gone (closed, or its process died)
  kFailed,      // `error` says why; the end is unusable
};

// A frame's bytes as two pieces, so a large message's data can be sent from,
// and received into, its final place without another copy.
struct FrameBuffers {
  uint8_t* head = nullptr;
  size_t head_size = 0;
  uint8_t* tail = nullptr;
  size_t tail_size = 0;
};

// Handles that arrived with a frame; their count is checked against the
// frame's header by the caller.
using ReceivedHandles = std::vector<OwnedHandle>;

// What ReceiveFrame() took in: the frame's whole size (which may exceed the
// buffers, then `truncated` is set) and the handles that came with it,
// owned (if more came than asked for, `handles_truncated` is set and the
// extra ones are closed).
struct ReceivedFrame {
  size_t size = 0;
  bool truncated = false;
  ReceivedHandles handles;
  bool handles_truncated = false;
};

class ChannelTransport {
 public:
  ChannelTransport() = default;
  ChannelTransport(const ChannelTransport&) = delete;
  ChannelTransport& operator=(const ChannelTransport&) = delete;
  // Closes this end; the peer then sees kPeerClosed.
  virtual ~ChannelTransport() = default;

  // A source on `loop` that reports kReadable when a frame (or the peer's
  // close) is waiting, and, if PollsWritable(), kWritable when a send may
  // succeed. It must not outlive this end. Null (with `error`) if the loop
  // refuses to watch it.
  virtual std::unique_ptr<LoopEventSource> WatchOnLoop(EventLoop* loop,
                                                       Error* error) = 0;
  // False where writability cannot be polled (macOS): the caller retries a
  // blocked send on a short timer instead.
  virtual bool PollsWritable() const = 0;
  // The largest frame (head plus tail) this transport carries in one piece.
  virtual size_t max_frame_size() const = 0;
  // Messages with at least this many data bytes travel out of line: their
  // data in a body made by CreateOutOfLineBody(), sent as one more handle
  // with a single frame. 0 where bodies travel in frames only.
  virtual uint64_t out_of_line_threshold() const { return 0; }
  // Whether the peer has read every frame sent so far (Linux: nothing left
  // in the socket's send queue). Out-of-line bodies count as queued until
  // then: once sent, a body still holds memory the socket's buffer does
  // not bound.
  virtual bool PeerReadEverything() const { return true; }
  // A new body holding a copy of `size` bytes at `data`, sealed so that
  // neither its size nor its bytes can ever change (Linux: a memfd written
  // with pwrite(), never mapped writable, then sealed with
  // F_SEAL_SHRINK|GROW|WRITE|SEAL), as `*body`. Only called where
  // out_of_line_threshold() is not 0.
  virtual bool CreateOutOfLineBody(const uint8_t* /*data*/,
                                   uint64_t /*size*/,
                                   OwnedHandle* /*body*/,
                                   Error* error) {
    *error = Error::Make(codes::kSystem,
                         "This channel carries no out-of-line bodies");
    return false;
  }

  // A new body of `capacity` bytes the sender may fill again and again
  // (core/body_pool.h): mapped writable here, sealed against any change of
  // size but not against writes (Linux: a memfd of that size, sealed
  // F_SEAL_SHRINK|GROW|SEAL, mapped shared). False (with `error`) where
  // there is none; the message then goes in a body of its own.
  virtual bool CreatePooledBody(uint64_t /*capacity*/,
                                std::unique_ptr<PooledBody>* /*body*/,
                                Error* error) {
    *error = Error::Make(codes::kSystem, "This channel pools no bodies");
    return false;
  }

  // Sends one frame made of `frame.head` then `frame.tail`, never blocking.
  // On kDone the handles were moved into the message (`handles` is left
  // empty); otherwise they are untouched.
  virtual IoStatus SendFrame(const FrameBuffers& frame,
                             std::vector<OwnedHandle>* handles,
                             Error* error) = 0;

  // Receives one frame, never blocking: its first bytes into `frame.head`
  // (up to head_size), the rest into `frame.tail`, and what came with it
  // into `received` (which starts empty), with at most `max_handles`
  // handles.
  virtual IoStatus ReceiveFrame(const FrameBuffers& frame,
                                size_t max_handles,
                                ReceivedFrame* received,
                                Error* error) = 0;

  // Gives up this end without closing it, so it can travel to another
  // process: its handle (kind kChannel), now the caller's.
  virtual OwnedHandle ReleaseEndpoint() = 0;

  // True where closing this end may block on what the peer left queued in
  // it (Linux: the descriptors of unread messages close with the socket).
  // Its owner then takes the endpoint and releases it on a DeferredRelease.
  virtual bool ReleaseOffThread() const { return false; }
};

// Maps a body a peer sent out of line, announced as `size` bytes, after
// checking it as untrusted: sealed against any change of its size, at
// least that large, ordinary memory; only the announced bytes (to a whole
// page) are mapped. A body sealed against writes too never changes; one
// that is not (a body its sender pools) may be changed by its sender, as
// a region may. The mapping is copy-on-write (sharing() is kCopyOnWrite):
// this process's writes stay its own.
// Takes `*body` only on success; on failure it is left to the caller
// (which releases it off the JS thread: a peer's descriptor could be
// anything) and `error` says why.
std::unique_ptr<SharedMemoryMapping> MapOutOfLineBody(OwnedHandle* body,
                                                      uint64_t size,
                                                      Error* error);

// A connected pair of new channel ends (kind kChannel).
bool CreateChannelPair(OwnedHandle* first, OwnedHandle* second, Error* error);

// Wraps a channel end. Fails (ERR_RENDEZVOUS_INVALID_RIGHT) if `handle` is
// not one, and then releases it, except where it names no right a channel
// end could be (macOS: no receive right), which is not this process's to
// release.
std::unique_ptr<ChannelTransport> AdoptChannelEnd(OwnedHandle handle,
                                                  Error* error);

}  // namespace rendezvous

#endif  // ADDON_CORE_CHANNEL_TRANSPORT_H_
