// The Windows backend's Right: one kernel object the server holds for a
// child, as a handle of its own (a copy, or a raw handle moved to it) or as
// the host C runtime descriptor a caller moved to it. A right whose handle
// is a socket (a `{ handle }`, or an `{ fd }` whose OS handle is one) is a
// socket right: copied and exported with Winsock (socket_rights.h), never
// with DuplicateHandle, closed with closesocket, and a handle to the child
// (RightKind::kHandle), which takes it with takeHandle().
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

// Whether that handle is a socket, to export with WSADuplicateSocketW.
bool IsSocketRight(const Right& right);

}  // namespace rendezvous

#endif  // ADDON_WIN_HANDLE_RIGHT_H_
