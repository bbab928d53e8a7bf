// Copies of handles this process owns (a channel message carrying one the
// caller keeps).
#include <string>

#include "core/seam/handles.h"
#include "win/handle_offers.h"
#include "win/host_descriptors.h"
#include "win/scoped_handle.h"
#include "win/win_error.h"

namespace rendezvous {

bool DuplicateHandle(int64_t handle,
                     RightKind kind,
                     OwnedHandle* copy,
                     Error* error) {
  bool is_fd = kind == RightKind::kFd;
  HANDLE source = is_fd ? HostOsHandleOf(handle) : HandleFromValue(handle);
  // A socket's DuplicateHandle copy may not be a working socket (nor be
  // seen as one once made): refused here, before it is made.
  if (!RefuseSocketInMessage(source, handle, error))
    return false;
  HANDLE duplicate = nullptr;
  if (!HandleTraits::IsValid(source) ||
      !::DuplicateHandle(::GetCurrentProcess(), source, ::GetCurrentProcess(),
                         &duplicate, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    *error = LastWindowsError("DuplicateHandle",
                              std::string(is_fd ? "Could not duplicate fd "
                                                : "Could not duplicate "
                                                  "handle ") +
                                  std::to_string(handle),
                              codes::kInvalidRight);
    return false;
  }
  ScopedHandle owned(duplicate);
  if (!is_fd) {
    *copy = OwnedHandle(HandleValue(owned.release()), kind);
    return true;
  }
  // A descriptor stays a descriptor of the host's runtime.
  int64_t fd = HostDescriptorFor(owned.get());
  if (fd < 0) {
    *error = Error::Make(codes::kSystem,
                         "Could not make a descriptor for a "
                         "copy of fd " +
                             std::to_string(handle));
    return false;
  }
  (void)owned.release();  // the descriptor owns it now
  *copy = OwnedHandle(fd, kind);
  return true;
}

}  // namespace rendezvous
