#include "win/host_descriptors.h"

#include <uv.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "core/debug_log.h"

namespace rendezvous {

HANDLE HostOsHandleOf(int64_t fd) {
  if (fd < 0 || fd > INT_MAX)
    return INVALID_HANDLE_VALUE;
  // libuv silences the runtime's invalid-parameter handler here: an unknown
  // number returns INVALID_HANDLE_VALUE rather than ending the process.
  HANDLE handle = uv_get_osfhandle(static_cast<int>(fd));
  return handle == nullptr ? INVALID_HANDLE_VALUE : handle;
}

int64_t HostDescriptorFor(HANDLE handle) {
  int fd = uv_open_osfhandle(handle);
  return fd < 0 ? -1 : fd;
}

void CloseHostDescriptor(int64_t fd) {
  if (fd < 0 || fd > INT_MAX)
    return;
  // A null callback makes the request synchronous; no loop is used.
  uv_fs_t request;
  int result =
      uv_fs_close(nullptr, &request, static_cast<uv_file>(fd), nullptr);
  uv_fs_req_cleanup(&request);
  // A double close: the number may already name someone else's file. libuv
  // reports the runtime's EBADF as UV_EBADF; it is named as strerror names it,
  // as the POSIX backends do.
  if (result < 0)
    ProcessDebugLog()(
        "close(%d) failed: %s", static_cast<int>(fd),
        result == UV_EBADF ? std::strerror(EBADF) : uv_strerror(result));
}

}  // namespace rendezvous
