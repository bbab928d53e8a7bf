// macOS has no way to place a thread on a processor (thread_policy_set's
// affinity tags group threads for cache sharing, they do not place them),
// and its scheduler spreads new threads over idle cores itself.
#include "core/seam/copy_helper.h"

namespace rendezvous {

bool StartCopyHelper(uv_thread_t* thread, uv_thread_cb work, void* argument) {
  return uv_thread_create(thread, work, argument) == 0;
}

}  // namespace rendezvous
