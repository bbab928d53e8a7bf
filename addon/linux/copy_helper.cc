// Linux: the helper's affinity is every processor this thread may use but
// the one it runs on now, so the scheduler cannot queue it behind the
// thread it helps (core/seam/copy_helper.h says what that costs).
#include "core/seam/copy_helper.h"

#include <pthread.h>
#include <sched.h>

namespace rendezvous {

bool StartCopyHelper(uv_thread_t* thread, uv_thread_cb work, void* argument) {
  cpu_set_t others;
  // More processors than a cpu_set_t holds: placed by the scheduler alone.
  bool placed = ::sched_getaffinity(0, sizeof others, &others) == 0;
  if (placed) {
    int current = ::sched_getcpu();
    if (current >= 0 && current < CPU_SETSIZE)
      CPU_CLR(current, &others);
    if (CPU_COUNT(&others) == 0)
      return false;
  }
  if (uv_thread_create(thread, work, argument) != 0)
    return false;
  // Set once it exists, which moves it at once if it was queued here; a
  // refusal (a cgroup changed meanwhile) leaves it where it is.
  if (placed)
    (void)::pthread_setaffinity_np(*thread, sizeof others, &others);
  return true;
}

}  // namespace rendezvous
