// The owner of a Windows kernel object handle. The only place in the
// Windows backend that closes one.
#ifndef ADDON_WIN_SCOPED_HANDLE_H_
#define ADDON_WIN_SCOPED_HANDLE_H_

#include <windows.h>

#include <cstdint>

#include "core/debug_log.h"
#include "core/scoped_generic.h"

namespace rendezvous {

struct HandleTraits {
  static HANDLE InvalidValue() { return nullptr; }
  // Both null and INVALID_HANDLE_VALUE mean "no handle": CreateFile and
  // CreateNamedPipe fail with the second, most other calls with the first.
  // (INVALID_HANDLE_VALUE is also GetCurrentProcess()'s pseudo handle, which
  // is never owned.)
  static bool IsValid(HANDLE handle) {
    return handle != nullptr && handle != INVALID_HANDLE_VALUE;
  }
  static void Free(HANDLE handle) {
    if (::CloseHandle(handle))
      return;
    // A double close: the value may already name someone else's object.
    ProcessDebugLog()("CloseHandle(%p) failed: error %lu", handle,
                      ::GetLastError());
  }
};

// Owns one handle and closes it on destruction. Move-only.
using ScopedHandle = ScopedGeneric<HANDLE, HandleTraits>;

// A handle as the seam carries it (int64_t) and back. Kernel handles are
// small multiples of four, so they always fit.
inline int64_t HandleValue(HANDLE handle) {
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(handle));
}
inline HANDLE HandleFromValue(int64_t value) {
  return reinterpret_cast<HANDLE>(static_cast<intptr_t>(value));
}

}  // namespace rendezvous

#endif  // ADDON_WIN_SCOPED_HANDLE_H_
