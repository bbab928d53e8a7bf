#include "napi/channel_bindings.h"

#include <uv.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/channel_frames.h"
#include "core/channel_sender.h"
#include "core/shared_memory.h"
#include "napi/addon_state.h"
#include "napi/external_buffers.h"
#include "napi/js_args.h"
#include "napi/js_error.h"
#include "napi/mapped_regions.h"
#include "napi/shared_memory_bindings.h"

namespace rendezvous {

namespace {

// Events handed to the JS callback given to start(): (event, ...args).
enum class Event { kMessage = 0, kDrain = 1, kClose = 2, kError = 3 };

// Frames read per wake-up before yielding to the rest of the event loop (the
// poll is level-triggered, so the rest are read on the next turn).
constexpr int kMaxFramesPerWake = 256;
// A writer sees backpressure (postMessage returns false) at this many queued
// bytes, and 'drain' once the queue is empty again.
constexpr uint64_t kHighWaterMark = 8 * 1024 * 1024;
// Past this a writer that ignored the backpressure is refused outright, so
// its memory stays bounded whatever the reader does.
constexpr uint64_t kMaxQueuedBytes = 256 * 1024 * 1024;
// The same for messages with little or no data (each may hold handles).
constexpr size_t kMaxQueuedMessages = 65536;
// Messages this large are handed to JS without a copy where the runtime
// allows; smaller ones are copied.
constexpr size_t kExternalBufferThreshold = 64 * 1024;
// The longest text delivered as a JS string (V8's limit on 64-bit hosts);
// longer text is a bad message (refused at its first frame) rather than an
// exception in a listener.
constexpr uint64_t kMaxTextBytes = (uint64_t{1} << 29) - 24;
// How often a blocked send is retried where writability cannot be polled.
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

template <typename Handle>
void DeleteHandle(uv_handle_t* handle) {
  delete reinterpret_cast<Handle*>(handle);
}

Error PollError(int status) {
  return Error::Make(
      codes::kSystem,
      std::string("Polling the channel failed: ") + uv_strerror(status));
}

Error BadMessage(const std::string& why) {
  return Error::Make(codes::kBadMessage, "The peer sent a bad message: " + why);
}

// What arrived with a message, checked and turned into owned objects before
// any of it reaches JS. Whatever is dropped is released off the JS thread.
struct ReceivedPayload {
  RightKind kind = RightKind::kFd;
  OwnedHandle raw;
  std::unique_ptr<SharedMemoryMapping> memory;
  DeferredTransport channel;
};

// Whether `mapping` shows the same memory object as a region already among
// `payloads`: a peer sending one object many times would take a budget's
// worth of address space for the memory of one.
bool MapsSameObject(const SharedMemoryMapping& mapping,
                    const std::vector<ReceivedPayload>& payloads) {
  std::optional<RegionId> id = mapping.id();
  if (!id)
    return false;
  for (const ReceivedPayload& payload : payloads) {
    if (payload.memory && payload.memory->id() == id)
      return true;
  }
  return false;
}

// The handle to give a check that closes what it is given when it fails it
// (mapping a region, adopting a channel end). A descriptor, which could be
// anything the peer chose (a lingering socket among them), is given as a
// duplicate: a failed check then closes only the duplicate, while `handle`
// still holds the descriptor open, and `handle` goes to the release thread.
bool HandleForCheck(OwnedHandle* handle,
                    bool carried_as_fd,
                    int64_t* out,
                    Error* error) {
  if (!carried_as_fd) {
    *out = handle->release();
    return true;
  }
  Error why;
  OwnedHandle copy;
  if (!DuplicateHandle(handle->get(), RightKind::kFd, &copy, &why)) {
    *error = why;
    return false;
  }
  *out = copy.release();
  return true;
}

bool AcceptHandles(Napi::Env env,
                   const std::vector<frames::HandleDescriptor>& descriptors,
                   std::vector<OwnedHandle> handles,
                   const std::shared_ptr<MappingBudget>& region_budget,
                   std::vector<ReceivedPayload>* payloads,
                   Error* error) {
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const frames::HandleDescriptor& descriptor = descriptors[i];
    OwnedHandle& handle = handles[i];
    // Where the transport cannot tell kinds apart (Linux: all descriptors)
    // it reports kFd, and the descriptor says what the handle carries.
    bool carried_as_fd = handle.kind() == RightKind::kFd &&
                         (descriptor.kind == RightKind::kSharedMemory ||
                          descriptor.kind == RightKind::kChannel);
    if (handle.kind() != descriptor.kind && !carried_as_fd) {
      *error = BadMessage("a handle is not of the kind its message states");
      return false;
    }
    ReceivedPayload payload;
    payload.kind = descriptor.kind;
    if (descriptor.kind == RightKind::kSharedMemory ||
        descriptor.kind == RightKind::kChannel) {
      int64_t checked;
      if (!HandleForCheck(&handle, carried_as_fd, &checked, error))
        return false;
      Error why;
      bool accepted;
      if (descriptor.kind == RightKind::kSharedMemory) {
        payload.memory =
            MapWithinBudget(OwnedHandle(checked, RightKind::kSharedMemory),
                            descriptor.byte_length, region_budget, &why);
        accepted = payload.memory != nullptr;
      } else {
        payload.channel =
            ReleasedOffThread(env, AdoptChannelEnd(checked, &why));
        accepted = payload.channel != nullptr;
      }
      if (!accepted) {
        *error = BadMessage(why.message);
        return false;
      }
      if (payload.memory && MapsSameObject(*payload.memory, *payloads)) {
        *error = BadMessage("the same shared memory region twice");
        return false;
      }
      // The check kept the duplicate, which now holds the file open: closing
      // the peer's descriptor here is not its last close, so it cannot block,
      // and the process holds one descriptor per handle, not two.
      if (carried_as_fd) {
        handle.ReleaseThrough(nullptr);
        handle.reset();
      }
    } else {
      payload.raw = OwnedHandle(handle.release(), descriptor.kind);
      payload.raw.ReleaseThrough(&AddonState::Get(env)->deferred_release);
    }
    payloads->push_back(std::move(payload));
  }
  return true;
}

}  // namespace

// One channel end. While it reads, or has data queued, the JS object is kept
// alive by a reference of its own, like a socket: it goes away after close.
class ChannelObject : public Napi::ObjectWrap<ChannelObject> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "NativeChannel",
        {
            InstanceMethod<&ChannelObject::Start>("start"),
            InstanceMethod<&ChannelObject::PostMessage>("postMessage"),
            InstanceMethod<&ChannelObject::Close>("close"),
            InstanceMethod<&ChannelObject::Release>("release"),
            InstanceMethod<&ChannelObject::SetLoopRef>("setLoopRef"),
            InstanceAccessor<&ChannelObject::QueuedBytes>("queuedBytes"),
            InstanceAccessor<&ChannelObject::IsOpen>("isOpen"),
        });
  }

  explicit ChannelObject(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<ChannelObject>(info),
        env_(info.Env()),
        assembler_(frames::kDefaultMaxMessageBytes, kMaxTextBytes),
        stall_milliseconds_(StallMilliseconds()) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      ThrowJsError(env_, Error::Type(codes::kInvalidArgument,
                                     "Use Channel.pair() to make a channel"));
      return;
    }
    transport_ = DeferredTransport(
        info[0].As<Napi::External<ChannelTransport>>().Data(),
        DeferredTransportDeleter(&AddonState::Get(env_)->deferred_release));
    context_ = std::make_unique<Napi::AsyncContext>(env_, "RendezvousChannel");
    AddonState::Get(env_)->open_channels.insert(this);
  }

  ~ChannelObject() override { Shutdown(); }

  // Stops all I/O and releases everything, without events.
  void Shutdown() {
    if (!transport_)
      return;
    StopIo();
    transport_.reset();
  }

 private:
  // Stops polling (before the transport's descriptor may be closed) and
  // drops everything queued or half received.
  void StopIo() {
    if (poll_) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), DeleteHandle<uv_poll_t>);
      poll_ = nullptr;
    }
    if (timer_) {
      uv_close(reinterpret_cast<uv_handle_t*>(timer_),
               DeleteHandle<uv_timer_t>);
      timer_ = nullptr;
    }
    if (stall_timer_) {
      uv_close(reinterpret_cast<uv_handle_t*>(stall_timer_),
               DeleteHandle<uv_timer_t>);
      stall_timer_ = nullptr;
    }
    sender_.Clear();
    pending_handles_.clear();
    assembler_.Reset();
    scratch_.clear();
    scratch_.shrink_to_fit();
    reading_ = false;
    deferred_ = false;
    AddonState::Get(env_)->open_channels.erase(this);
    Unpin();
  }

  // --- JS methods ---

  // start(): begins reading. Events go to this object's `onEvent` property,
  // (event, ...args): a property rather than a persistent reference, so an
  // end nobody holds can still be collected.
  Napi::Value Start(const Napi::CallbackInfo& /*info*/) {
    if (!CheckOpen())
      return env_.Undefined();
    reading_ = true;
    // The head buffer exists only while the end reads: an end that is
    // just held (or passed along) costs no more than its descriptor.
    scratch_.resize(transport_->max_frame_size());
    UpdateIo();
    return env_.Undefined();
  }

  // postMessage(bytes: Uint8Array, isText, handles: [{handle, kind,
  // byteLength, move}]) -> whether the writer may go on (false: wait for
  // 'drain'). Copied handles are duplicated, moved ones taken, only once
  // every check has passed.
  Napi::Value PostMessage(const Napi::CallbackInfo& info) {
    if (!CheckOpen())
      return env_.Undefined();
    if (!info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      ThrowJsError(env_, Error::Type(codes::kInvalidArgument,
                                     "data must be a Uint8Array"));
      return env_.Undefined();
    }
    Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
    if (bytes.ByteLength() > frames::kDefaultMaxMessageBytes) {
      ThrowJsError(
          env_,
          Error::Range(codes::kOutOfRange,
                       "A message can be at most " +
                           std::to_string(frames::kDefaultMaxMessageBytes) +
                           " bytes"));
      return env_.Undefined();
    }
    if (sender_.queued_bytes() >= kMaxQueuedBytes ||
        sender_.queued_messages() >= kMaxQueuedMessages) {
      ThrowJsError(
          env_, Error::Make(codes::kQueueFull,
                            "The channel already holds " +
                                std::to_string(sender_.queued_bytes()) +
                                " unsent bytes in " +
                                std::to_string(sender_.queued_messages()) +
                                " messages; wait for 'drain' before sending"));
      return env_.Undefined();
    }
    std::vector<OwnedHandle> handles;
    if (!TakeHandles(info[2], &handles))
      return env_.Undefined();
    uint8_t flags = info[1].ToBoolean().Value() ? frames::kFlagText : 0;
    Error error;
    IoStatus status =
        sender_.Send(bytes.Data(), bytes.ByteLength(), flags,
                     std::move(handles), transport_.get(), &error);
    if (status == IoStatus::kPeerClosed || status == IoStatus::kFailed) {
      // Reported from the event loop, as a socket would, not thrown here.
      Defer(status, error);
      return Napi::Boolean::New(env_, false);
    }
    UpdateIo();
    bool may_go_on = sender_.queued_bytes() < kHighWaterMark;
    needs_drain_ = needs_drain_ || !may_go_on;
    return Napi::Boolean::New(env_, may_go_on);
  }

  // close(): closes this end now; anything still queued is dropped.
  Napi::Value Close(const Napi::CallbackInfo& /*info*/) {
    Shutdown();
    return env_.Undefined();
  }

  // release() -> the end's handle, for transfer. Refused while a message is
  // half sent or half received, which would corrupt the stream.
  Napi::Value Release(const Napi::CallbackInfo& /*info*/) {
    if (!CheckOpen())
      return env_.Undefined();
    if (!sender_.empty() || assembler_.in_message()) {
      ThrowJsError(env_, Error::Make(codes::kChannelBusy,
                                     "The channel end is in the middle of a "
                                     "message and cannot be transferred"));
      return env_.Undefined();
    }
    StopIo();
    int64_t handle = transport_->ReleaseEndpoint();
    transport_.reset();
    return Napi::Number::New(env_, static_cast<double>(handle));
  }

  // setLoopRef(bool): whether an open end keeps the event loop alive.
  Napi::Value SetLoopRef(const Napi::CallbackInfo& info) {
    loop_ref_ = info[0].ToBoolean().Value();
    UpdateIo();
    return env_.Undefined();
  }

  Napi::Value QueuedBytes(const Napi::CallbackInfo& /*info*/) {
    return Napi::Number::New(env_, static_cast<double>(sender_.queued_bytes()));
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& /*info*/) {
    return Napi::Boolean::New(env_, transport_ != nullptr);
  }

  // --- helpers ---

  bool CheckOpen() {
    if (transport_)
      return true;
    ThrowJsError(env_,
                 Error::Make(codes::kClosed, "The channel end is closed"));
    return false;
  }

  // Reads [{handle, kind, byteLength, move}] and makes the message's own
  // handles: all checked before any is duplicated or taken.
  bool TakeHandles(const Napi::Value& value, std::vector<OwnedHandle>* out) {
    if (value.IsUndefined())
      return true;
    if (!value.IsArray()) {
      ThrowJsError(env_, Error::Type(codes::kInvalidArgument,
                                     "handles must be an array"));
      return false;
    }
    Napi::Array array = value.As<Napi::Array>();
    if (array.Length() > frames::kMaxHandlesPerMessage) {
      ThrowJsError(
          env_, Error::Range(codes::kTooManyRights,
                             "A message carries at most " +
                                 std::to_string(frames::kMaxHandlesPerMessage) +
                                 " handles"));
      return false;
    }
    struct Spec {
      int64_t handle, kind, byte_length;
      bool move;
    };
    std::vector<Spec> specs;
    for (uint32_t i = 0; i < array.Length(); ++i) {
      Napi::Value item = array.Get(i);
      if (env_.IsExceptionPending())
        return false;
      if (!item.IsObject()) {
        ThrowJsError(env_, Error::Type(codes::kInvalidRight,
                                       "each handle must be an object"));
        return false;
      }
      Napi::Object object = item.As<Napi::Object>();
      Spec spec{};
      Napi::Value move = object.Get("move");
      if (env_.IsExceptionPending() ||
          !GetInteger(object.Get("handle"), "handle", 0, UINT32_MAX,
                      &spec.handle) ||
          !GetInteger(object.Get("kind"), "kind", 0, kMaxRightKind,
                      &spec.kind) ||
          !GetInteger(object.Get("byteLength"), "byteLength", 0,
                      static_cast<int64_t>(kMaxSharedMemoryBytes),
                      &spec.byte_length)) {
        return false;
      }
      spec.move = move.ToBoolean().Value();
      specs.push_back(spec);
    }
    // Descriptors get the rendezvous's checks: open, and none moved twice.
    std::vector<RightSpec> descriptors;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].kind == static_cast<int64_t>(RightKind::kFd)) {
        descriptors.push_back(RightSpec{static_cast<uint32_t>(i),
                                        specs[i].handle,
                                        specs[i].move ? "move" : "copy"});
      }
    }
    Error check;
    if (!CheckRights(descriptors, &check) ||
        !MarkMovedFdsCloseOnExec(descriptors, &check)) {
      ThrowJsError(env_, check);
      return false;
    }
    std::vector<OwnedHandle> handles;
    for (const Spec& spec : specs) {
      if (spec.move)
        continue;
      OwnedHandle copy;
      Error error;
      if (!DuplicateHandle(spec.handle, static_cast<RightKind>(spec.kind),
                           &copy, &error)) {
        ThrowJsError(env_, error);
        return false;  // the copies made so far are released
      }
      handles.emplace_back(copy.release(), static_cast<RightKind>(spec.kind),
                           static_cast<uint64_t>(spec.byte_length));
    }
    // Moved handles last, in order, once nothing can fail any more; then
    // put every handle back in the caller's order.
    std::vector<OwnedHandle> ordered;
    size_t next_copy = 0;
    for (const Spec& spec : specs) {
      if (spec.move) {
        ordered.emplace_back(spec.handle, static_cast<RightKind>(spec.kind),
                             static_cast<uint64_t>(spec.byte_length));
      } else {
        ordered.push_back(std::move(handles[next_copy++]));
      }
    }
    *out = std::move(ordered);
    return true;
  }

  // Polls for what the end is waiting on: frames while reading, room while
  // data is queued.
  void UpdateIo() {
    if (!transport_)
      return;
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env_, &loop);
    bool blocked = !sender_.empty();
    int events = (reading_ ? UV_READABLE : 0) |
                 (blocked && transport_->PollsWritable() ? UV_WRITABLE : 0);
    if (events != 0) {
      if (!poll_) {
        auto* poll = new uv_poll_t;
        int status = uv_poll_init(loop, poll, transport_->poll_fd());
        if (status != 0) {
          delete poll;  // never initialised: nothing for libuv to close
          Defer(IoStatus::kFailed, PollError(status));
          return;
        }
        poll_ = poll;
        poll_->data = this;
      }
      int status = uv_poll_start(poll_, events, OnPoll);
      if (status != 0) {
        Defer(IoStatus::kFailed, PollError(status));
        return;
      }
      SetHandleRef(reinterpret_cast<uv_handle_t*>(poll_));
    } else if (poll_) {
      uv_poll_stop(poll_);
    }
    bool retry = blocked && !transport_->PollsWritable();
    if (retry && !timer_) {
      timer_ = new uv_timer_t;
      uv_timer_init(loop, timer_);
      timer_->data = this;
    }
    if (timer_) {
      if (retry) {
        uv_timer_start(timer_, OnTimer, kRetryMilliseconds, kRetryMilliseconds);
        SetHandleRef(reinterpret_cast<uv_handle_t*>(timer_));
      } else if (!deferred_) {
        uv_timer_stop(timer_);
      }
    }
    if (reading_ || blocked || deferred_)
      Pin();
    else
      Unpin();
  }

  void SetHandleRef(uv_handle_t* handle) {
    if (loop_ref_)
      uv_ref(handle);
    else
      uv_unref(handle);
  }

  void Pin() {
    if (!pinned_) {
      pinned_ = true;
      Ref();
    }
  }
  void Unpin() {
    if (pinned_) {
      pinned_ = false;
      Unref();
    }
  }

  static void OnPoll(uv_poll_t* poll, int status, int events) {
    auto* self = static_cast<ChannelObject*>(poll->data);
    Napi::HandleScope scope(self->env_);
    if (status == UV_EBADF) {
      // libuv's report of POLLERR: a peer that closed with our data unread
      // resets the socket, but what it sent before is still to be read.
      // libuv stopped the poll; reading to the end finishes the channel.
      events = UV_READABLE;
      if (!self->reading_) {
        self->Finish(IoStatus::kPeerClosed, Error());
        return;
      }
    } else if (status < 0) {
      self->Finish(IoStatus::kFailed, PollError(status));
      return;
    }
    if (events & UV_WRITABLE)
      self->FlushQueue();
    if (self->transport_ && (events & UV_READABLE))
      self->ReadFrames();
    if (status == UV_EBADF)
      self->UpdateIo();  // start the stopped poll again, if still open
  }

  static void OnTimer(uv_timer_t* timer) {
    auto* self = static_cast<ChannelObject*>(timer->data);
    Napi::HandleScope scope(self->env_);
    if (self->deferred_) {
      self->deferred_ = false;
      self->Finish(self->deferred_status_, self->deferred_error_);
      return;
    }
    self->FlushQueue();
  }

  void FlushQueue() {
    Error error;
    IoStatus status = sender_.Flush(transport_.get(), &error);
    if (status == IoStatus::kPeerClosed || status == IoStatus::kFailed) {
      Finish(status, error);
      return;
    }
    UpdateIo();
    if (status == IoStatus::kDone && needs_drain_) {
      needs_drain_ = false;
      Emit(Event::kDrain, {});
    }
  }

  void ReadFrames() {
    for (int i = 0; i < kMaxFramesPerWake && transport_ && reading_; ++i) {
      bool continuing = assembler_.in_message();
      FrameBuffers frame;
      frame.head = scratch_.data();
      frame.head_size = continuing ? frames::kHeaderSize : scratch_.size();
      if (continuing) {
        frame.tail_size = assembler_.ReserveNext(transport_->max_frame_size() -
                                                 frames::kHeaderSize);
        frame.tail = assembler_.next_data();
        if (frame.tail_size == 0) {
          Finish(IoStatus::kFailed,
                 Error::Make(codes::kSystem,
                             "No memory for the rest of a message of " +
                                 std::to_string(assembler_.remaining()) +
                                 " bytes"));
          return;
        }
      }
      ReceivedFrame received;
      ReceivedHandles& handles = received.handles;
      Error error;
      IoStatus status = transport_->ReceiveFrame(
          frame, frames::kMaxHandlesPerMessage, &received, &error);
      // Whatever the peer sent is released off this thread from here on.
      for (OwnedHandle& handle : handles)
        handle.ReleaseThrough(&AddonState::Get(env_)->deferred_release);
      if (status == IoStatus::kWouldBlock)
        return;
      if (status != IoStatus::kDone) {
        handles.clear();
        Finish(status, error);
        return;
      }
      // On every failure here, what the peer sent is released before the
      // listeners hear of it, so none of it outlives the channel.
      if (received.truncated || received.handles_truncated) {
        handles.clear();
        Finish(IoStatus::kFailed,
               BadMessage(received.truncated
                              ? "a frame larger than allowed"
                              : "more handles than a message may carry"));
        return;
      }
      size_t size = received.size;
      size_t head = std::min(size, frame.head_size);
      frames::AssembledMessage message;
      std::string why;
      frames::Outcome outcome = assembler_.Accept(
          scratch_.data(), head, size - head, handles.size(), &message, &why);
      if (outcome == frames::Outcome::kMalformed) {
        handles.clear();
        Finish(IoStatus::kFailed, BadMessage(why));
        return;
      }
      if (!continuing)
        pending_handles_ = std::move(handles);
      WatchForStall(!continuing, outcome == frames::Outcome::kIncomplete);
      if (outcome == frames::Outcome::kComplete)
        Deliver(std::move(message), std::move(pending_handles_));
    }
  }

  // A message in progress is checked every stall interval: one that stops
  // arriving would otherwise hold its memory and handles for as long as
  // the peer likes. The timer never keeps the event loop alive by itself.
  void WatchForStall(bool started, bool in_message) {
    if (!in_message) {
      if (stall_timer_)
        uv_timer_stop(stall_timer_);
      return;
    }
    if (!started)
      return;  // the message's own watch runs already
    ++messages_started_;
    if (!stall_timer_) {
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env_, &loop);
      stall_timer_ = new uv_timer_t;
      uv_timer_init(loop, stall_timer_);
      stall_timer_->data = this;
      uv_unref(reinterpret_cast<uv_handle_t*>(stall_timer_));
    }
    uv_timer_start(stall_timer_, OnStallCheck, stall_milliseconds_,
                   stall_milliseconds_);
  }

  static void OnStallCheck(uv_timer_t* timer) {
    auto* self = static_cast<ChannelObject*>(timer->data);
    Napi::HandleScope scope(self->env_);
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

  void Deliver(frames::AssembledMessage message,
               std::vector<OwnedHandle> handles) {
    std::vector<ReceivedPayload> payloads;
    Error error;
    bool is_text = (message.flags & frames::kFlagText) != 0;
    if (!AcceptHandles(env_, message.handles, std::move(handles),
                       region_budget_, &payloads, &error)) {
      payloads.clear();
      Finish(IoStatus::kFailed, error);
      return;
    }
    Napi::Object self = Value();
    Napi::Value listener = self.IsEmpty() ? Napi::Value() : Listener(self);
    if (listener.IsEmpty())
      return;  // nobody to give it to: everything is released here
    Napi::Value data = MessageBuffer(&message);
    if (data.IsEmpty()) {
      payloads.clear();
      Finish(IoStatus::kFailed,
             Error::Make(codes::kSystem, "No memory for a message of " +
                                             std::to_string(message.size) +
                                             " bytes"));
      return;
    }
    Napi::Array list = Napi::Array::New(env_, payloads.size());
    for (size_t i = 0; i < payloads.size(); ++i) {
      ReceivedPayload& payload = payloads[i];
      Napi::Value value;
      if (payload.memory) {
        value = NewSharedMemoryObject(env_, std::move(payload.memory));
      } else if (payload.channel) {
        value = NewChannelObject(env_, std::move(payload.channel));
      } else {
        Napi::Object raw = Napi::Object::New(env_);
        raw.Set("kind", static_cast<double>(payload.kind));
        raw.Set("handle", static_cast<double>(payload.raw.get()));
        value = raw;
      }
      if (value.IsEmpty() || env_.IsExceptionPending()) {
        ReportException();
        return;  // the raw handles not yet given are released here
      }
      list.Set(i, value);
    }
    // From here on JS owns the raw handles.
    for (ReceivedPayload& payload : payloads)
      (void)payload.raw.release();
    Call(self, listener, Event::kMessage,
         {data, Napi::Boolean::New(env_, is_text), list});
  }

  // The message's bytes as an ArrayBuffer: for a large message the assembled
  // buffer itself where external buffers are allowed, else a copy inside
  // V8's heap (for a small one the copy is cheaper than an external
  // buffer's bookkeeping).
  Napi::Value MessageBuffer(frames::AssembledMessage* message) {
    size_t size = static_cast<size_t>(message->size);
    if (size >= kExternalBufferThreshold &&
        AddonState::Get(env_)->external_buffers) {
      uint8_t* bytes = message->data.get();
      Napi::Value buffer = NewExternalArrayBuffer(
          env_, bytes, size, [bytes]() { std::free(bytes); });
      if (!buffer.IsEmpty()) {
        (void)message->data.release();  // the buffer owns it now
        return buffer;
      }
      // Refused after all: fall through and copy.
      if (env_.IsExceptionPending())
        env_.GetAndClearPendingException();
    }
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env_, size);
    if (env_.IsExceptionPending()) {
      env_.GetAndClearPendingException();
      return Napi::Value();
    }
    if (size > 0)
      std::memcpy(buffer.Data(), message->data.get(), size);
    return buffer;
  }

  // Ends the channel for `status` (kPeerClosed, or kFailed with `error`):
  // 'error' first if there is one, then 'close'.
  void Finish(IoStatus status, const Error& error) {
    if (!transport_)
      return;
    // Held before Shutdown() unpins, so the object cannot be collected
    // while its last events are emitted.
    Napi::Object self = Value();
    Shutdown();
    if (self.IsEmpty())
      return;
    if (status == IoStatus::kFailed)
      Emit(self, Event::kError, {ToJsError(env_, error).Value()});
    Emit(self, Event::kClose, {});
  }

  // Finishes from the event loop rather than inside a JS call.
  void Defer(IoStatus status, const Error& error) {
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env_, &loop);
    if (!timer_) {
      timer_ = new uv_timer_t;
      uv_timer_init(loop, timer_);
      timer_->data = this;
    }
    deferred_ = true;
    deferred_status_ = status;
    deferred_error_ = error;
    uv_timer_start(timer_, OnTimer, 0, 0);
    Pin();
  }

  void Emit(Event event, std::vector<napi_value> args) {
    Napi::Object self = Value();
    if (!self.IsEmpty())
      Emit(self, event, std::move(args));
  }

  // The JS listener, or an empty value when there is none.
  Napi::Value Listener(Napi::Object self) {
    Napi::Value callback = self.Get("onEvent");
    if (env_.IsExceptionPending()) {
      ReportException();
      return Napi::Value();
    }
    return callback.IsFunction() ? callback : Napi::Value();
  }

  void Emit(Napi::Object self, Event event, std::vector<napi_value> args) {
    Napi::Value callback = Listener(self);
    if (!callback.IsEmpty())
      Call(self, callback, event, std::move(args));
  }

  void Call(Napi::Object self,
            Napi::Value callback,
            Event event,
            std::vector<napi_value> args) {
    args.insert(args.begin(),
                Napi::Number::New(env_, static_cast<double>(event)));
    callback.As<Napi::Function>().MakeCallback(self, args, *context_);
    ReportException();
  }

  // A listener threw: that is the application's uncaught exception.
  void ReportException() {
    if (env_.IsExceptionPending()) {
      Napi::Error exception = env_.GetAndClearPendingException();
      napi_fatal_exception(env_, exception.Value());
    }
  }

  Napi::Env env_;
  DeferredTransport transport_;
  ChannelSender sender_;
  frames::MessageAssembler assembler_;
  std::vector<uint8_t> scratch_;
  std::vector<OwnedHandle> pending_handles_;
  uv_poll_t* poll_ = nullptr;
  uv_timer_t* timer_ = nullptr;
  uv_timer_t* stall_timer_ = nullptr;
  // What the regions this end's peer sent take, while they stay mapped.
  std::shared_ptr<MappingBudget> region_budget_ = NewChannelMappingBudget();
  const uint64_t stall_milliseconds_;
  uint64_t messages_started_ = 0;
  bool reading_ = false;
  bool pinned_ = false;
  bool loop_ref_ = true;
  bool deferred_ = false;
  bool needs_drain_ = false;
  IoStatus deferred_status_ = IoStatus::kDone;
  Error deferred_error_;
  std::unique_ptr<Napi::AsyncContext> context_;
};

DeferredTransport ReleasedOffThread(
    Napi::Env env,
    std::unique_ptr<ChannelTransport> transport) {
  return DeferredTransport(
      transport.release(),
      DeferredTransportDeleter(&AddonState::Get(env)->deferred_release));
}

Napi::Value NewChannelObject(Napi::Env env, DeferredTransport transport) {
  Napi::EscapableHandleScope scope(env);
  AddonState* state = AddonState::Get(env);
  auto external = Napi::External<ChannelTransport>::New(env, transport.get());
  Napi::Object object = state->channel_class.New({external});
  if (env.IsExceptionPending())
    return Napi::Value();
  (void)transport.release();  // the object owns it now
  return scope.Escape(object);
}

void CloseAllChannels(Napi::Env env) {
  AddonState* state = AddonState::Get(env);
  while (!state->open_channels.empty())
    (*state->open_channels.begin())->Shutdown();
}

namespace {

// createChannelPair() -> [NativeChannel, NativeChannel]
Napi::Value CreateChannelPairBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t first_handle;
  int64_t second_handle;
  Error error;
  if (!CreateChannelPair(&first_handle, &second_handle, &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  auto first = AdoptChannelEnd(first_handle, &error);
  auto second = AdoptChannelEnd(second_handle, &error);
  if (!first || !second) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  Napi::Value a =
      NewChannelObject(env, ReleasedOffThread(env, std::move(first)));
  if (a.IsEmpty())
    return env.Undefined();
  Napi::Value b =
      NewChannelObject(env, ReleasedOffThread(env, std::move(second)));
  if (b.IsEmpty())
    return env.Undefined();
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, a);
  pair.Set(1u, b);
  return pair;
}

// adoptChannel(handle) -> NativeChannel; takes the handle (a received one)
// whatever the outcome.
Napi::Value AdoptChannelBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t handle;
  if (!GetInteger(info[0], "handle", 0, UINT32_MAX, &handle))
    return env.Undefined();
  Error error;
  auto transport = AdoptChannelEnd(handle, &error);
  if (!transport) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  Napi::Value channel =
      NewChannelObject(env, ReleasedOffThread(env, std::move(transport)));
  return channel.IsEmpty() ? env.Undefined() : channel;
}

}  // namespace

void InitChannelBindings(Napi::Env env, Napi::Object exports) {
  AddonState* state = AddonState::Get(env);
  state->channel_class = Napi::Persistent(ChannelObject::Define(env));
  exports.Set("createChannelPair",
              Napi::Function::New(env, CreateChannelPairBinding));
  exports.Set("adoptChannel", Napi::Function::New(env, AdoptChannelBinding));
}

}  // namespace rendezvous
