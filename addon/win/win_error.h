// Turns a failed Win32 call (GetLastError) into the addon's Error.
#ifndef ADDON_WIN_WIN_ERROR_H_
#define ADDON_WIN_WIN_ERROR_H_

#include <windows.h>

#include <string>

#include "core/error.h"

namespace rendezvous {

// The system's own text for `os_error`, without its trailing line break.
inline std::string WindowsErrorText(DWORD os_error) {
  char text[256] = {};
  DWORD length = ::FormatMessageA(
      FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
      os_error, 0, text, sizeof(text), nullptr);
  while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r' ||
                        text[length - 1] == ' '))
    text[--length] = '\0';
  if (length == 0)
    return "error " + std::to_string(os_error);
  return std::string(text, length) + " (error " + std::to_string(os_error) +
         ")";
}

inline Error WindowsError(const char* call,
                          DWORD os_error,
                          const std::string& what,
                          const char* code = codes::kSystem) {
  return Error::System(
      code, what + ": " + call + " failed: " + WindowsErrorText(os_error), call,
      static_cast<int>(os_error));
}

// For the call that just failed on this thread.
inline Error LastWindowsError(const char* call,
                              const std::string& what,
                              const char* code = codes::kSystem) {
  return WindowsError(call, ::GetLastError(), what, code);
}

}  // namespace rendezvous

#endif  // ADDON_WIN_WIN_ERROR_H_
