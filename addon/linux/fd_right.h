// The Linux backend's Right: one descriptor owned by the server.
#ifndef ADDON_LINUX_FD_RIGHT_H_
#define ADDON_LINUX_FD_RIGHT_H_

#include "core/right.h"

namespace rendezvous {

// The descriptor a Right made by AdoptRight holds (still owned by the Right).
int FdOfRight(const Right& right);

}  // namespace rendezvous

#endif  // ADDON_LINUX_FD_RIGHT_H_
