// Releasing and duplicating the handles this process owns.
#include <mach/mach.h>

#include <climits>
#include <string>

#include "core/owned_handle.h"
#include "core/seam/handles.h"
#include "core/seam/release.h"
#include "mac/mach_error.h"
#include "mac/scoped_mach_port.h"
#include "posix/duplicate_fd.h"
#include "posix/scoped_fd.h"

namespace rendezvous {

void ReleaseReceivedRight(int64_t handle, RightKind kind) {
  if (kind == RightKind::kFd) {
    if (handle >= 0 && handle <= INT_MAX)
      ScopedFd(static_cast<int>(handle)).reset();
    return;
  }
  // MACH_PORT_DEAD (a right that died in transit) passes this check; the
  // owners below release valid names only.
  if (handle <= 0 || handle > UINT_MAX)
    return;
  mach_port_t name = static_cast<mach_port_t>(handle);
  switch (kind) {
    case RightKind::kSendRight:
    case RightKind::kSharedMemory:  // a memory entry's send right
      ScopedMachSendRight(name).reset();
      break;
    case RightKind::kSendOnceRight:
      ScopedMachSendOnceRight(name).reset();
      break;
    case RightKind::kReceiveRight:
    case RightKind::kChannel:  // a channel end is its inbox's receive right
      ScopedMachReceiveRight(name).reset();
      break;
    case RightKind::kFd:
    case RightKind::kHandle:  // Windows only: nothing here is one
      break;
  }
}

bool DuplicateHandle(int64_t handle,
                     RightKind kind,
                     OwnedHandle* copy,
                     Error* error) {
  switch (kind) {
    case RightKind::kFd: {
      int64_t fd;
      if (!DuplicateFd(handle, &fd, error))
        return false;
      *copy = OwnedHandle(fd, kind);
      return true;
    }
    case RightKind::kSendRight:
    case RightKind::kSharedMemory: {
      if (handle == MACH_PORT_DEAD) {
        // A dead name arrived as such: nothing to count.
        *copy = OwnedHandle(handle, kind);
        return true;
      }
      if (handle <= 0 || handle > UINT_MAX) {
        *error = Error::Make(codes::kInvalidRight,
                             "Not a port name: " + std::to_string(handle));
        return false;
      }
      // A send right's copy is one more user reference under the same name.
      // If the port died meanwhile the name is a dead name, whose
      // references count the same way.
      mach_port_t name = static_cast<mach_port_t>(handle);
      mach_port_type_t type = 0;
      kern_return_t kr = mach_port_type(mach_task_self(), name, &type);
      if (kr != KERN_SUCCESS) {
        *error = MachError(
            "mach_port_type", kr,
            "Port " + std::to_string(name) + " is not a right of this task",
            codes::kInvalidRight);
        return false;
      }
      mach_port_right_t right = (type & MACH_PORT_TYPE_DEAD_NAME)
                                    ? MACH_PORT_RIGHT_DEAD_NAME
                                    : MACH_PORT_RIGHT_SEND;
      kr = mach_port_mod_refs(mach_task_self(), name, right, 1);
      if (kr != KERN_SUCCESS) {
        *error = MachError(
            "mach_port_mod_refs", kr,
            "Could not add a reference to send right " + std::to_string(name),
            codes::kInvalidRight);
        return false;
      }
      *copy = OwnedHandle(handle, kind);
      return true;
    }
    case RightKind::kHandle:
      *error = Error::Type(codes::kInvalidRight,
                           "A Windows handle exists only on Windows");
      return false;
    case RightKind::kSendOnceRight:
    case RightKind::kReceiveRight:
    case RightKind::kChannel:
      break;
  }
  *error = Error::Type(codes::kInvalidRight,
                       "A receive right, a send-once right or a channel end "
                       "cannot be duplicated; it can only be moved");
  return false;
}

}  // namespace rendezvous
