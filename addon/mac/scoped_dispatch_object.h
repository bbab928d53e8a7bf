// Owners of libdispatch objects.
#ifndef ADDON_MAC_SCOPED_DISPATCH_OBJECT_H_
#define ADDON_MAC_SCOPED_DISPATCH_OBJECT_H_

#include <dispatch/dispatch.h>

#include <utility>

namespace rendezvous {

// Holds one reference to a dispatch object (queue, source, ...). Move-only.
template <typename T>
class ScopedDispatchObject {
 public:
  ScopedDispatchObject() = default;
  explicit ScopedDispatchObject(T object) : object_(object) {}
  ScopedDispatchObject(ScopedDispatchObject&& other) noexcept
      : object_(std::exchange(other.object_, nullptr)) {}
  ScopedDispatchObject& operator=(ScopedDispatchObject&& other) noexcept {
    reset(std::exchange(other.object_, nullptr));
    return *this;
  }
  ScopedDispatchObject(const ScopedDispatchObject&) = delete;
  ScopedDispatchObject& operator=(const ScopedDispatchObject&) = delete;
  ~ScopedDispatchObject() { reset(); }

  T get() const { return object_; }
  explicit operator bool() const { return object_ != nullptr; }
  void reset(T object = nullptr) {
    if (object_)
      dispatch_release(object_);
    object_ = object;
  }

 private:
  T object_ = nullptr;
};

// A dispatch source whose handlers read a context of type Context. Sources
// are created suspended: Resume() starts them. Destruction cancels the
// source; the context is deleted by the source's finalizer, only after the
// last handler (and the cancel handler, if any) has returned, so a handler
// can never see freed memory. Anything the source monitors that must outlive
// the source's registration (a receive right) is released by the cancel
// handler, which runs once the source will never look at it again.
template <typename Context>
class DispatchSource {
 public:
  DispatchSource() = default;
  DispatchSource(dispatch_source_type_t type,
                 uintptr_t handle,
                 unsigned long mask,
                 dispatch_queue_t queue,
                 Context* context,
                 dispatch_function_t handler,
                 dispatch_function_t cancel_handler = nullptr)
      : source_(dispatch_source_create(type, handle, mask, queue)) {
    if (!source_) {
      delete context;
      return;
    }
    context_ = context;
    dispatch_set_context(source_.get(), context);
    dispatch_set_finalizer_f(
        source_.get(), [](void* ctx) { delete static_cast<Context*>(ctx); });
    dispatch_source_set_event_handler_f(source_.get(), handler);
    if (cancel_handler)
      dispatch_source_set_cancel_handler_f(source_.get(), cancel_handler);
  }
  DispatchSource(DispatchSource&& other) noexcept
      : source_(std::move(other.source_)),
        context_(std::exchange(other.context_, nullptr)),
        resumed_(std::exchange(other.resumed_, false)) {}
  DispatchSource& operator=(DispatchSource&& other) noexcept {
    Cancel();
    source_ = std::move(other.source_);
    context_ = std::exchange(other.context_, nullptr);
    resumed_ = std::exchange(other.resumed_, false);
    return *this;
  }
  ~DispatchSource() { Cancel(); }

  bool is_valid() const { return static_cast<bool>(source_); }
  dispatch_source_t get() const { return source_.get(); }
  Context* context() const { return context_; }
  void Resume() {
    dispatch_resume(source_.get());
    resumed_ = true;
  }

 private:
  void Cancel() {
    if (source_) {
      dispatch_source_cancel(source_.get());
      // Releasing a source that never ran is a libdispatch client bug; once
      // cancelled, resuming it only lets the cancellation complete.
      if (!resumed_)
        dispatch_resume(source_.get());
    }
    source_.reset();
    context_ = nullptr;
    resumed_ = false;
  }

  ScopedDispatchObject<dispatch_source_t> source_;
  Context* context_ = nullptr;  // owned by the source (its finalizer)
  bool resumed_ = false;
};

}  // namespace rendezvous

#endif  // ADDON_MAC_SCOPED_DISPATCH_OBJECT_H_
