#include "napi/channel_driver.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

namespace rendezvous {

namespace {

// Frames read per wake-up before yielding to the rest of the event loop (the
// source is level-triggered, so the rest are read on the next turn).
constexpr int kMaxFramesPerWake = 256;
// A writer sees backpressure (Send returns false) at this many queued
// bytes, and OnDrain once the queue is empty again.
constexpr uint64_t kHighWaterMark = 8 * 1024 * 1024;
// Past this a writer that ignored the backpressure is refused outright, so
// its memory stays bounded whatever the reader does.
constexpr uint64_t kMaxQueuedBytes = 256 * 1024 * 1024;
// The same for messages with little or no data (each may hold handles).
constexpr size_t kMaxQueuedMessages = 65536;
// The longest text delivered as a JS string (V8's limit on 64-bit hosts);
// longer text is a bad message (refused at its first frame) rather than an
// exception in a listener.
constexpr uint64_t kMaxTextBytes = (uint64_t{1} << 29) - 24;
// How often a blocked send is retried where writability cannot be watched.
constexpr uint64_t kRetryMilliseconds = 1;
// How long a message in progress may go without progress (see
// frames::MessageAssembler::MadeProgress) before it ends the channel.
constexpr uint64_t kDefaultStallMilliseconds = 10000;
constexpr char kStallVariable[] = "ELECTRON_PORT_RENDEZVOUS_CHANNEL_STALL_MS";

uint64_t StallMilliseconds() {
  const char* value = std::getenv(kStallVariable);
  if (value == nullptr)
    return kDefaultStallMilliseconds;
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(value, &end, 10);
  return end != value && *end == '\0' && parsed > 0 ? parsed
                                                    : kDefaultStallMilliseconds;
}

Error BadMessage(const std::string& why) {
  return Error::Make(codes::kBadMessage, "The peer sent a bad message: " + why);
}

void CloseTimer(uv_timer_t** timer) {
  if (*timer == nullptr)
    return;
  uv_close(reinterpret_cast<uv_handle_t*>(*timer), [](uv_handle_t* handle) {
    delete reinterpret_cast<uv_timer_t*>(handle);
  });
  *timer = nullptr;
}

void SetHandleRef(uv_handle_t* handle, bool ref) {
  if (ref)
    uv_ref(handle);
  else
    uv_unref(handle);
}

}  // namespace

ChannelDriver::ChannelDriver(DeferredTransport transport,
                             EventLoop* loop,
                             DeferredRelease* release,
                             Listener* listener)
    : transport_(std::move(transport)),
      loop_(loop),
      release_(release),
      listener_(listener),
      assembler_(frames::kDefaultMaxMessageBytes, kMaxTextBytes),
      stall_milliseconds_(StallMilliseconds()) {}

ChannelDriver::~ChannelDriver() {
  Shutdown();
}

void ChannelDriver::StartReading() {
  reading_ = true;
  // The head buffer exists only while the end reads: an end that is just
  // held (or passed along) costs no more than its handle.
  scratch_.resize(transport_->max_frame_size());
  UpdateIo();
}

uint64_t ChannelDriver::queued_bytes() {
  if (transport_)
    sender_.Reconcile(transport_.get());
  return sender_.queued_bytes();
}

bool ChannelDriver::CheckRoom(Error* error) {
  if (queued_bytes() < kMaxQueuedBytes &&
      sender_.queued_messages() < kMaxQueuedMessages) {
    return true;
  }
  *error = Error::Make(
      codes::kQueueFull,
      "The channel already holds " + std::to_string(sender_.queued_bytes()) +
          " unsent bytes in " + std::to_string(sender_.queued_messages()) +
          " messages; wait for 'drain' before sending");
  return false;
}

bool ChannelDriver::Send(const uint8_t* data,
                         uint64_t size,
                         bool is_text,
                         std::vector<OwnedHandle> handles) {
  // Releases already due go first, so a reply sent after a body was
  // dropped reaches the peer after that body's release.
  if (!SendBodyReleases())
    return false;
  Error error;
  IoStatus status = sender_.Send(data, size, is_text ? frames::kFlagText : 0,
                                 std::move(handles), transport_.get(), &error);
  if (status == IoStatus::kPeerClosed || status == IoStatus::kFailed) {
    Defer(status, error);
    return false;
  }
  bool may_go_on = sender_.queued_bytes() < kHighWaterMark;
  needs_drain_ = needs_drain_ || !may_go_on;
  UpdateIo();  // after needs_drain_: unread bodies may need watching
  return may_go_on;
}

void ChannelDriver::SetLoopRef(bool ref) {
  loop_ref_ = ref;
  UpdateIo();
}

void ChannelDriver::Shutdown() {
  if (!transport_)
    return;
  StopIo();
  transport_.reset();
}

OwnedHandle ChannelDriver::ReleaseEndpoint() {
  StopIo();
  OwnedHandle handle = transport_->ReleaseEndpoint();
  transport_.reset();
  return handle;
}

void ChannelDriver::Fail(const Error& error) {
  Finish(IoStatus::kFailed, error);
}

// Stops watching (before the transport's handle may be closed) and drops
// everything queued or half received.
void ChannelDriver::StopIo() {
  source_.reset();
  CloseTimer(&timer_);
  CloseTimer(&stall_timer_);
  StopBodies();
  sender_.Clear();
  pending_handles_.clear();
  assembler_.Reset();
  scratch_.clear();
  scratch_.shrink_to_fit();
  reading_ = false;
  deferred_ = false;
  waiting_ = false;
}

// Watches for what the end is waiting on: frames while reading, room while
// data is queued.
void ChannelDriver::UpdateIo() {
  if (!transport_)
    return;
  bool blocked = !sender_.empty();
  // Out-of-line bodies sent and not yet read hold back 'drain'; nothing
  // signals their reading, so a writer waiting on them polls.
  bool awaiting_read = needs_drain_ && !blocked && sender_.unread_bodies() > 0;
  int events =
      (reading_ ? LoopEventSource::kReadable : 0) |
      (blocked && transport_->PollsWritable() ? LoopEventSource::kWritable : 0);
  if (events != 0) {
    if (!WatchTransport(events))
      return;
  } else if (source_) {
    source_->Stop();
  }
  UpdateRetryTimer((blocked && !transport_->PollsWritable()) || awaiting_read);
  SetWaiting(reading_ || blocked || deferred_ || awaiting_read);
}

bool ChannelDriver::WatchTransport(int events) {
  Error error;
  if (!source_)
    source_ = transport_->WatchOnLoop(loop_, &error);
  if (!source_ || !source_->Start(events, this, &error)) {
    Defer(IoStatus::kFailed, error);
    return false;
  }
  source_->SetLoopRef(loop_ref_);
  return true;
}

void ChannelDriver::UpdateRetryTimer(bool retry) {
  if (retry && !timer_)
    timer_ = NewTimer(true);
  if (!timer_)
    return;
  if (retry) {
    uv_timer_start(timer_, OnTimer, kRetryMilliseconds, kRetryMilliseconds);
    SetHandleRef(reinterpret_cast<uv_handle_t*>(timer_), loop_ref_);
  } else if (!deferred_) {
    uv_timer_stop(timer_);
  }
}

uv_timer_t* ChannelDriver::NewTimer(bool keeps_loop_alive) {
  auto* timer = new uv_timer_t;
  uv_timer_init(loop_, timer);
  timer->data = this;
  if (!keeps_loop_alive)
    uv_unref(reinterpret_cast<uv_handle_t*>(timer));
  return timer;
}

void ChannelDriver::SetWaiting(bool waiting) {
  if (waiting == waiting_)
    return;
  waiting_ = waiting;
  listener_->OnWaitingChanged(waiting);
}

void ChannelDriver::OnEvents(int events) {
  if (events & LoopEventSource::kReset) {
    // Reading to the end finishes the channel; an end that does not read
    // has nothing more to wait for.
    if (!reading_) {
      Finish(IoStatus::kPeerClosed, Error());
      return;
    }
  }
  if (events & LoopEventSource::kWritable)
    FlushQueue();
  if (transport_ && (events & LoopEventSource::kReadable))
    ReadFrames();
  if (events & LoopEventSource::kReset)
    UpdateIo();  // start the stopped source again, if still open
}

void ChannelDriver::OnWatchFailed(const Error& error) {
  Finish(IoStatus::kFailed, error);
}

void ChannelDriver::FlushQueue() {
  Error error;
  IoStatus status = sender_.Flush(transport_.get(), &error);
  if (status == IoStatus::kPeerClosed || status == IoStatus::kFailed) {
    Finish(status, error);
    return;
  }
  sender_.Reconcile(transport_.get());
  bool drained = status == IoStatus::kDone && sender_.unread_bodies() == 0;
  UpdateIo();
  if (drained && needs_drain_) {
    needs_drain_ = false;
    listener_->OnDrain();
  }
}

void ChannelDriver::ReadFrames() {
  for (int i = 0; i < kMaxFramesPerWake && transport_ && reading_; ++i) {
    if (!ReadFrame())
      return;
  }
}

// Reads one frame; false when there is none, or the end finished.
bool ChannelDriver::ReadFrame() {
  bool continuing = assembler_.in_message();
  FrameBuffers frame;
  frame.head = scratch_.data();
  frame.head_size = continuing ? frames::kHeaderSize : scratch_.size();
  if (continuing) {
    frame.tail_size = assembler_.ReserveNext(transport_->max_frame_size() -
                                             frames::kHeaderSize);
    frame.tail = assembler_.next_data();
    if (frame.tail_size == 0) {
      Finish(
          IoStatus::kFailed,
          Error::Make(codes::kSystem,
                      "No memory for the rest of a message of " +
                          std::to_string(assembler_.remaining()) + " bytes"));
      return false;
    }
  }
  ReceivedFrame received;
  ReceivedHandles& handles = received.handles;
  Error error;
  IoStatus status = transport_->ReceiveFrame(frame, frames::kMaxHandlesPerFrame,
                                             &received, &error);
  // Whatever the peer sent is released off this thread from here on.
  for (OwnedHandle& handle : handles)
    handle.ReleaseThrough(release_);
  if (status == IoStatus::kWouldBlock)
    return false;
  // On every failure here, what the peer sent is released before the
  // listener hears of it, so none of it outlives the channel.
  if (status != IoStatus::kDone) {
    handles.clear();
    Finish(status, error);
    return false;
  }
  if (received.truncated || received.handles_truncated) {
    handles.clear();
    Finish(IoStatus::kFailed,
           BadMessage(received.truncated
                          ? "a frame larger than allowed"
                          : "more handles than a message may carry"));
    return false;
  }
  size_t head = std::min(received.size, frame.head_size);
  frames::AssembledMessage message;
  std::string why;
  frames::Outcome outcome =
      assembler_.Accept(scratch_.data(), head, received.size - head,
                        handles.size(), &message, &why);
  if (outcome == frames::Outcome::kMalformed) {
    handles.clear();
    Finish(IoStatus::kFailed, BadMessage(why));
    return false;
  }
  if (outcome == frames::Outcome::kBodyReleased)
    return AcceptBodyReleased(message.body_id);
  if (!continuing)
    pending_handles_ = std::move(handles);
  WatchForStall(!continuing, outcome == frames::Outcome::kIncomplete);
  if (outcome == frames::Outcome::kComplete)
    listener_->OnMessage(std::move(message), std::move(pending_handles_));
  return true;
}

// A message in progress is checked every stall interval: one that stops
// arriving would otherwise hold its memory and handles for as long as the
// peer likes. The timer never keeps the event loop alive by itself.
void ChannelDriver::WatchForStall(bool started, bool in_message) {
  if (!in_message) {
    if (stall_timer_)
      uv_timer_stop(stall_timer_);
    return;
  }
  if (!started)
    return;  // the message's own watch runs already
  ++messages_started_;
  if (!stall_timer_)
    stall_timer_ = NewTimer(false);
  uv_timer_start(stall_timer_, OnStallCheck, stall_milliseconds_,
                 stall_milliseconds_);
}

void ChannelDriver::OnStallCheck(uv_timer_t* timer) {
  auto* self = static_cast<ChannelDriver*>(timer->data);
  // Frames that waited while this thread was busy count as progress; a
  // message that started meanwhile has a full interval of its own.
  uint64_t started = self->messages_started_;
  self->ReadFrames();
  if (!self->transport_ || self->messages_started_ != started ||
      !self->assembler_.in_message() || self->assembler_.MadeProgress()) {
    return;
  }
  self->Finish(
      IoStatus::kFailed,
      Error::Make(codes::kTimeout,
                  "The peer stopped sending a message: " +
                      std::to_string(self->assembler_.remaining()) +
                      " bytes of it did not arrive within " +
                      std::to_string(self->stall_milliseconds_) + " ms"));
}

void ChannelDriver::Finish(IoStatus status, const Error& error) {
  if (!transport_)
    return;
  Shutdown();
  listener_->OnFinished(status, error);
}

// Finishes from the event loop rather than inside the caller's call.
void ChannelDriver::Defer(IoStatus status, const Error& error) {
  if (!timer_)
    timer_ = NewTimer(true);
  deferred_ = true;
  deferred_status_ = status;
  deferred_error_ = error;
  uv_timer_start(timer_, OnTimer, 0, 0);
  SetWaiting(true);
}

void ChannelDriver::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<ChannelDriver*>(timer->data);
  if (self->deferred_) {
    self->deferred_ = false;
    self->Finish(self->deferred_status_, self->deferred_error_);
    return;
  }
  self->FlushQueue();
}

}  // namespace rendezvous
