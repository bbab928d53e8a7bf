// Binds the addon's imports of Node-API and libuv to whatever executable
// hosts it. The import library names "node.exe", but Electron's executable
// (and any renamed Node) is not called that: every such import is delay-loaded,
// and this hook answers the loader's "load node.exe" with the running
// executable itself, as node-gyp's win_delay_load_hook.cc does for MSVC builds.
#include <windows.h>
// windows.h first: delayimp.h uses its types.
#include <delayimp.h>
#include <string.h>

namespace {

FARPROC WINAPI LoadHostExecutable(unsigned notification, PDelayLoadInfo info) {
  if (notification != dliNotePreLoadLibrary)
    return nullptr;
  if (_stricmp(info->szDll, "node.exe") != 0)
    return nullptr;
  return reinterpret_cast<FARPROC>(GetModuleHandleW(nullptr));
}

}  // namespace

// delayimp.h declares the hook extern "C"; this is its one definition.
PfnDliHook __pfnDliNotifyHook2 = LoadHostExecutable;
