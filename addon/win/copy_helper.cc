// Windows: the helper's ideal processor is another than the one this
// thread runs on. That is a hint the scheduler keeps unless the processor
// is busy; a hard affinity could leave the helper waiting for one processor
// while others idle.
#include <windows.h>

#include "core/seam/copy_helper.h"

namespace rendezvous {

bool StartCopyHelper(uv_thread_t* thread, uv_thread_cb work, void* argument) {
  PROCESSOR_NUMBER current;
  GetCurrentProcessorNumberEx(&current);
  DWORD in_group = GetActiveProcessorCount(current.Group);
  if (in_group <= 1)
    return false;
  if (uv_thread_create(thread, work, argument) != 0)
    return false;
  PROCESSOR_NUMBER ideal = current;
  ideal.Number = static_cast<BYTE>((current.Number + 1) % in_group);
  (void)SetThreadIdealProcessorEx(*thread, &ideal, nullptr);
  return true;
}

}  // namespace rendezvous
