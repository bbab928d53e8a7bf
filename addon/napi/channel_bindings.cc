#include "napi/channel_bindings.h"

#include <uv.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/channel_frames.h"
#include "core/outgoing_handles.h"
#include "napi/addon_state.h"
#include "napi/channel_driver.h"
#include "napi/channel_factories.h"
#include "napi/channel_handoff.h"
#include "napi/js_error.h"
#include "napi/outgoing_handle_args.h"
#include "napi/received_message_js.h"
#include "napi/received_payloads.h"
#include "napi/shared_memory_bindings.h"

namespace rendezvous {

namespace {

// Events handed to the JS callback given to start(): (event, ...args).
enum class Event { kMessage = 0, kDrain = 1, kClose = 2, kError = 3 };

EventLoop* LoopOf(Napi::Env env) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  return loop;
}

}  // namespace

// One channel end as JS sees it: argument checks, events and conversions
// around the ChannelDriver that does its I/O. While the end waits on the
// loop the JS object is kept alive by a reference of its own, like a
// socket: it goes away after close.
class ChannelObject : public Napi::ObjectWrap<ChannelObject>,
                      private ChannelDriver::Listener,
                      private TransferableEnd {
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

  // (External<ChannelTransport>, endpoint): only native code makes ends.
  explicit ChannelObject(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<ChannelObject>(info), env_(info.Env()) {
    if (info.Length() != 2 || !info[0].IsExternal() || !info[1].IsNumber()) {
      ThrowJsError(env_, Error::Type(codes::kInvalidArgument,
                                     "Use Channel.pair() to make a channel"));
      return;
    }
    AddonState* state = AddonState::Get(env_);
    driver_ = std::make_unique<ChannelDriver>(
        DeferredTransport(info[0].As<Napi::External<ChannelTransport>>().Data(),
                          DeferredTransportDeleter(&state->deferred_release)),
        LoopOf(env_), &state->deferred_release,
        static_cast<ChannelDriver::Listener*>(this));
    endpoint_ = info[1].As<Napi::Number>().Int64Value();
    context_ = std::make_unique<Napi::AsyncContext>(env_, "RendezvousChannel");
    state->open_channels.insert(this);
  }

  ~ChannelObject() override { Shutdown(); }

  bool is_open() const { return driver_ && driver_->is_open(); }
  // The handle this end owns while it is open.
  int64_t endpoint() const { return endpoint_; }

  // Stops all I/O and releases everything, without events.
  void Shutdown() {
    if (driver_)
      driver_->Shutdown();
    Forget();
  }

  // The end `object` is, if it is a NativeChannel.
  static TransferableEnd* EndOf(Napi::Env env, const Napi::Object& object) {
    bool is_end = false;
    napi_value constructor = AddonState::Get(env)->channel_class.Value();
    if (napi_instanceof(env, object, constructor, &is_end) != napi_ok ||
        !is_end) {
      return nullptr;
    }
    return Unwrap(object);
  }

  // Owns `transport` (whose handle is `handle`) again: the end a
  // rendezvous registration took, which gave it back. Not reading yet.
  void TakeBack(DeferredTransport transport, int64_t handle) {
    AddonState* state = AddonState::Get(env_);
    driver_ = std::make_unique<ChannelDriver>(
        std::move(transport), LoopOf(env_), &state->deferred_release,
        static_cast<ChannelDriver::Listener*>(this));
    endpoint_ = handle;
    state->open_channels.insert(this);
  }

 private:
  // --- JS methods ---

  // start(): begins reading. Events go to this object's `onEvent` property,
  // (event, ...args): a property rather than a persistent reference, so an
  // end nobody holds can still be collected.
  Napi::Value Start(const Napi::CallbackInfo& /*info*/) {
    if (CheckOpen())
      driver_->StartReading();
    return env_.Undefined();
  }

  // postMessage(bytes: Uint8Array, isText, handles) -> whether the writer
  // may go on (false: wait for 'drain'). `handles` lists NativeChannel ends
  // (handed over), NativeSharedMemory regions (copied) and {handle, kind,
  // byteLength, move}; nothing is duplicated or taken before every check
  // has passed.
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
    Error error;
    std::vector<OutgoingHandle> listed;
    std::vector<OwnedHandle> handles;
    if (!driver_->CheckRoom(&error)) {
      ThrowJsError(env_, error);
      return env_.Undefined();
    }
    if (!ReadOutgoingHandles(env_, info[2], EndOf, this, &listed))
      return env_.Undefined();
    if (!TakeMessageHandles(listed, SystemHandles(), &handles, &error)) {
      ThrowJsError(env_, error);
      return env_.Undefined();
    }
    bool may_go_on =
        driver_->Send(bytes.Data(), bytes.ByteLength(),
                      info[1].ToBoolean().Value(), std::move(handles));
    return Napi::Boolean::New(env_, may_go_on);
  }

  // close(): closes this end now; anything still queued is dropped.
  Napi::Value Close(const Napi::CallbackInfo& /*info*/) {
    Shutdown();
    return env_.Undefined();
  }

  // release() -> the end's handle, for the rendezvous to transfer. Refused
  // while a message is half sent or half received.
  Napi::Value Release(const Napi::CallbackInfo& /*info*/) {
    Error error;
    if (!CheckOpen())
      return env_.Undefined();
    if (!CheckTransferable(&error)) {
      ThrowJsError(env_, error);
      return env_.Undefined();
    }
    // JS owns the number from here.
    int64_t handle = GiveUpEndpoint().release();
    return Napi::Number::New(env_, static_cast<double>(handle));
  }

  // setLoopRef(bool): whether an open end keeps the event loop alive.
  Napi::Value SetLoopRef(const Napi::CallbackInfo& info) {
    if (driver_)
      driver_->SetLoopRef(info[0].ToBoolean().Value());
    return env_.Undefined();
  }

  Napi::Value QueuedBytes(const Napi::CallbackInfo& /*info*/) {
    uint64_t queued = driver_ ? driver_->queued_bytes() : 0;
    return Napi::Number::New(env_, static_cast<double>(queued));
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& /*info*/) {
    return Napi::Boolean::New(env_, is_open());
  }

  // --- TransferableEnd: this end leaving with a message ---

  bool CheckTransferable(Error* error) const override {
    if (!is_open()) {
      *error =
          Error::Type(codes::kInvalidRight, "A channel end sent is closed");
      return false;
    }
    if (!driver_->between_messages()) {
      *error = Error::Make(codes::kChannelBusy,
                           "The channel end is in the middle of a message "
                           "and cannot be transferred");
      return false;
    }
    return true;
  }

  OwnedHandle GiveUpEndpoint() override {
    OwnedHandle handle = driver_->ReleaseEndpoint();
    Forget();
    return handle;
  }

  // --- ChannelDriver::Listener ---

  void OnMessage(frames::AssembledMessage message,
                 std::vector<OwnedHandle> handles) override {
    Napi::HandleScope scope(env_);
    Deliver(std::move(message), std::move(handles));
  }

  void OnDrain() override {
    Napi::HandleScope scope(env_);
    Napi::Object self = Value();
    if (!self.IsEmpty())
      Emit(self, Event::kDrain, {});
  }

  // 'error' first if there is one, then 'close'.
  void OnFinished(IoStatus status, const Error& error) override {
    Napi::HandleScope scope(env_);
    // Held before Forget() unpins, so the object cannot be collected while
    // its last events are emitted.
    Napi::Object self = Value();
    Forget();
    if (self.IsEmpty())
      return;
    if (status == IoStatus::kFailed)
      Emit(self, Event::kError, {ToJsError(env_, error).Value()});
    Emit(self, Event::kClose, {});
  }

  void OnWaitingChanged(bool waiting) override {
    if (waiting)
      Pin();
    else
      Unpin();
  }

  // --- helpers ---

  bool CheckOpen() {
    if (is_open())
      return true;
    ThrowJsError(env_,
                 Error::Make(codes::kClosed, "The channel end is closed"));
    return false;
  }

  // The end no longer waits on anything, nor is open here.
  void Forget() {
    AddonState::Get(env_)->open_channels.erase(this);
    Unpin();
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

  void Deliver(frames::AssembledMessage message,
               std::vector<OwnedHandle> handles);
  Napi::Value Listener(Napi::Object self);
  void Emit(Napi::Object self, Event event, std::vector<napi_value> args);
  void Call(Napi::Object self,
            Napi::Value callback,
            Event event,
            std::vector<napi_value> args);
  void ReportException();

  Napi::Env env_;
  std::unique_ptr<ChannelDriver> driver_;
  int64_t endpoint_ = -1;
  // What the regions this end's peer sent take, while they stay mapped.
  std::shared_ptr<MappingBudget> region_budget_ = NewChannelMappingBudget();
  bool pinned_ = false;
  std::unique_ptr<Napi::AsyncContext> context_;
};

void ChannelObject::Deliver(frames::AssembledMessage message,
                            std::vector<OwnedHandle> handles) {
  std::vector<ReceivedPayload> payloads;
  Error error;
  bool is_text = (message.flags & frames::kFlagText) != 0;
  bool out_of_line = (message.flags & frames::kFlagOutOfLine) != 0;
  std::unique_ptr<SharedMemoryMapping> body;
  if (out_of_line && !TakeOutOfLineBody(message, &handles, region_budget_,
                                        driver_.get(), &body, &error)) {
    driver_->Fail(error);
    return;
  }
  if (!AcceptHandles(message.handles, std::move(handles), region_budget_,
                     &AddonState::Get(env_)->deferred_release, &payloads,
                     &error)) {
    payloads.clear();
    driver_->Fail(error);
    return;
  }
  Napi::Object self = Value();
  Napi::Value listener = self.IsEmpty() ? Napi::Value() : Listener(self);
  if (listener.IsEmpty())
    return;  // nobody to give it to: everything is released here
  Napi::Value data = out_of_line ? NewSharedMemoryObject(env_, std::move(body))
                                 : MessageBuffer(env_, &message);
  if (data.IsEmpty() || env_.IsExceptionPending()) {
    if (env_.IsExceptionPending())
      env_.GetAndClearPendingException();
    payloads.clear();
    driver_->Fail(Error::Make(codes::kSystem, "No memory for a message of " +
                                                  std::to_string(message.size) +
                                                  " bytes"));
    return;
  }
  Napi::Value list = PayloadsToJs(env_, &payloads);
  if (list.IsEmpty()) {
    ReportException();
    return;  // the raw handles not yet given are released here
  }
  Call(self, listener, Event::kMessage,
       {data, Napi::Boolean::New(env_, is_text), list});
}

// The JS listener, or an empty value when there is none.
Napi::Value ChannelObject::Listener(Napi::Object self) {
  Napi::Value callback = self.Get("onEvent");
  if (env_.IsExceptionPending()) {
    ReportException();
    return Napi::Value();
  }
  return callback.IsFunction() ? callback : Napi::Value();
}

void ChannelObject::Emit(Napi::Object self,
                         Event event,
                         std::vector<napi_value> args) {
  Napi::Value callback = Listener(self);
  if (!callback.IsEmpty())
    Call(self, callback, event, std::move(args));
}

void ChannelObject::Call(Napi::Object self,
                         Napi::Value callback,
                         Event event,
                         std::vector<napi_value> args) {
  args.insert(args.begin(),
              Napi::Number::New(env_, static_cast<double>(event)));
  callback.As<Napi::Function>().MakeCallback(self, args, *context_);
  ReportException();
}

// A listener threw: that is the application's uncaught exception.
void ChannelObject::ReportException() {
  if (env_.IsExceptionPending()) {
    Napi::Error exception = env_.GetAndClearPendingException();
    napi_fatal_exception(env_, exception.Value());
  }
}

DeferredTransport ReleasedOffThread(
    Napi::Env env,
    std::unique_ptr<ChannelTransport> transport) {
  return DeferredTransport(
      transport.release(),
      DeferredTransportDeleter(&AddonState::Get(env)->deferred_release));
}

Napi::Value NewChannelObject(Napi::Env env,
                             DeferredTransport transport,
                             int64_t endpoint) {
  Napi::EscapableHandleScope scope(env);
  AddonState* state = AddonState::Get(env);
  auto external = Napi::External<ChannelTransport>::New(env, transport.get());
  Napi::Object object = state->channel_class.New(
      {external, Napi::Number::New(env, static_cast<double>(endpoint))});
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

bool ChannelEndOf(Napi::Env env,
                  const Napi::Object& object,
                  TransferableEnd** end,
                  int64_t* handle) {
  *end = ChannelObject::EndOf(env, object);
  if (*end == nullptr)
    return false;
  *handle = ChannelObject::Unwrap(object)->endpoint();
  return true;
}

bool GiveChannelEndBack(Napi::Env env,
                        const Napi::Object& object,
                        DeferredTransport transport,
                        int64_t handle) {
  if (ChannelObject::EndOf(env, object) == nullptr)
    return false;
  ChannelObject* channel = ChannelObject::Unwrap(object);
  if (channel->is_open())
    return false;
  channel->TakeBack(std::move(transport), handle);
  return true;
}

// Whether an open end of this environment owns `handle` already.
bool OwnedByOpenEnd(Napi::Env env, int64_t handle) {
  for (const ChannelObject* end : AddonState::Get(env)->open_channels) {
    if (end->is_open() && end->endpoint() == handle)
      return true;
  }
  return false;
}

void InitChannelBindings(Napi::Env env, Napi::Object exports) {
  AddonState* state = AddonState::Get(env);
  state->channel_class = Napi::Persistent(ChannelObject::Define(env));
  InitChannelFactories(env, exports);
}

}  // namespace rendezvous
