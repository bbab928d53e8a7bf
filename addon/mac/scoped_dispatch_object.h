// Owners of libdispatch objects.
#ifndef ADDON_MAC_SCOPED_DISPATCH_OBJECT_H_
#define ADDON_MAC_SCOPED_DISPATCH_OBJECT_H_

#include <dispatch/dispatch.h>

#include "core/scoped_generic.h"

namespace rendezvous {

template <typename T>
struct DispatchObjectTraits {
  static T InvalidValue() { return nullptr; }
  static void Free(T object) { dispatch_release(object); }
};

// Holds one reference to a dispatch object (queue, source, ...). Move-only.
template <typename T>
using ScopedDispatchObject = ScopedGeneric<T, DispatchObjectTraits<T>>;

// Cancels a source before its reference goes. One that never ran is resumed
// first: releasing a suspended source is a libdispatch client bug, and once
// cancelled, resuming it only lets the cancellation complete.
struct DispatchSourceTraits {
  static dispatch_source_t InvalidValue() { return nullptr; }
  void Free(dispatch_source_t source) const {
    dispatch_source_cancel(source);
    if (!resumed)
      dispatch_resume(source);
    dispatch_release(source);
  }
  bool resumed = false;
};

// A dispatch source whose handlers read a context of type Context. Sources
// are created suspended: Resume() starts them. Destruction cancels the
// source; the context is deleted by the source's finalizer, only after the
// last handler (and the cancel handler, if any) has returned, so a handler
// can never see freed memory. Anything the source monitors that must outlive
// the source's registration (a receive right) is released by the cancel
// handler, which runs once the source will never look at it again.
template <typename Context>
class DispatchSource
    : private ScopedGeneric<dispatch_source_t, DispatchSourceTraits> {
  using Owner = ScopedGeneric<dispatch_source_t, DispatchSourceTraits>;

 public:
  DispatchSource() = default;
  DispatchSource(dispatch_source_type_t type,
                 uintptr_t handle,
                 unsigned long mask,
                 dispatch_queue_t queue,
                 Context* context,
                 dispatch_function_t handler,
                 dispatch_function_t cancel_handler = nullptr)
      : Owner(dispatch_source_create(type, handle, mask, queue)) {
    if (!is_valid()) {
      delete context;
      return;
    }
    dispatch_set_context(get(), context);
    dispatch_set_finalizer_f(
        get(), [](void* ctx) { delete static_cast<Context*>(ctx); });
    dispatch_source_set_event_handler_f(get(), handler);
    if (cancel_handler)
      dispatch_source_set_cancel_handler_f(get(), cancel_handler);
  }

  using Owner::get;
  using Owner::is_valid;
  // Owned by the source (its finalizer).
  Context* context() const {
    return is_valid() ? static_cast<Context*>(dispatch_get_context(get()))
                      : nullptr;
  }
  void Resume() {
    dispatch_resume(get());
    mutable_traits().resumed = true;
  }
};

}  // namespace rendezvous

#endif  // ADDON_MAC_SCOPED_DISPATCH_OBJECT_H_
