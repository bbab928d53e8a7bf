// The seam: the thread that shares one large copy with the thread that asked
// for it (core/large_copy.h), started where it can run beside that thread.
//
// Where a helper is placed decides what the split is worth. A thread started
// by one that had been idle (waiting for a message, say) while every other
// processor idled too is put by Linux on the starting thread's processor,
// where it waits until that thread has copied everything: measured on 2
// cores, 64 MiB after 30 ms idle, the helper started after 2.4 ms and the
// split copy took 5.4 ms, no less than one thread; started on the other
// processor, it ran after 0.09 ms and the copy took 3.0 ms.
//
// Thread use: any thread; the caller joins the helper with uv_thread_join
// before its work's argument goes.
#ifndef ADDON_CORE_SEAM_COPY_HELPER_H_
#define ADDON_CORE_SEAM_COPY_HELPER_H_

#include <uv.h>

namespace rendezvous {

// Starts `work(argument)` on a new thread, placed off the calling thread's
// processor where the platform allows. False if no thread was started:
// none could be, or this thread may run on one processor only, so a helper
// could only take turns with it.
bool StartCopyHelper(uv_thread_t* thread, uv_thread_cb work, void* argument);

}  // namespace rendezvous

#endif  // ADDON_CORE_SEAM_COPY_HELPER_H_
