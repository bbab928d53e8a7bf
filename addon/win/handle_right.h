// The Windows backend's Right: one kernel object the server holds for a
// child, as a handle of its own (a copy, or a raw handle moved to it) or as
// the host C runtime descriptor a caller moved to it.
#ifndef ADDON_WIN_HANDLE_RIGHT_H_
#define ADDON_WIN_HANDLE_RIGHT_H_

#include <windows.h>

#include "core/right.h"

namespace rendezvous {

inline constexpr char kMove[] = "move";
inline constexpr char kCopy[] = "copy";

// The handle a Right made by AdoptRights holds (still owned by the Right),
// for DuplicateHandle into the child.
HANDLE SourceHandleOf(const Right& right);

}  // namespace rendezvous

#endif  // ADDON_WIN_HANDLE_RIGHT_H_
