// Whether a process that connected was launched by this process.
#ifndef ADDON_WIN_PROCESS_PARENT_H_
#define ADDON_WIN_PROCESS_PARENT_H_

#include <windows.h>

namespace rendezvous {

// `process` (PROCESS_QUERY_LIMITED_INFORMATION) was created by this process.
// The system records the creator's pid, which an older, exited process of
// the same pid could also have had: the child must also be younger than
// this process.
bool IsChildOfThisProcess(HANDLE process);

}  // namespace rendezvous

#endif  // ADDON_WIN_PROCESS_PARENT_H_
