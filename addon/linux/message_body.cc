// Channel message bodies out of line on Linux, the way Mach carries
// out-of-line memory: the sender copies the data into a new memfd with
// pwrite() (so no writable mapping of it ever exists, which F_SEAL_WRITE
// requires) and seals it against every change; the receiver checks those
// seals and the size, then maps it copy-on-write. The peer can then neither
// change the bytes after they were read nor make a touch of them fault.
#include "linux/message_body.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>

#include "core/channel_transport.h"
#include "linux/memfd_checks.h"
#include "linux/memfd_mapping.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

constexpr int kBodySeals =
    F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
// What a received body must carry: its size fixed for good. A body its
// sender pools (core/body_pool.h) is not sealed against writes; one that
// is, is a snapshot no one can change.
constexpr int kReceivedBodySeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
// pwrite() moves at most this much per call (Linux's MAX_RW_COUNT).
constexpr uint64_t kMaxWriteBytes = 0x7ffff000;

Error BodyError(const std::string& why) {
  return Error::Make(codes::kInvalidRight, why);
}

}  // namespace

bool CreateMemfdBody(const uint8_t* data,
                     uint64_t size,
                     OwnedHandle* body,
                     Error* error) {
  ScopedFd fd(::memfd_create("electron-port-rendezvous-message",
                             MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) {
    *error = SystemError("memfd_create", errno,
                         "Could not create the body of a channel message");
    return false;
  }
  // Straight from the caller's memory into the file's pages: the one copy
  // a send makes.
  uint64_t written = 0;
  while (written < size) {
    size_t chunk =
        static_cast<size_t>(std::min(size - written, kMaxWriteBytes));
    ssize_t count =
        ::pwrite(fd.get(), data + written, chunk, static_cast<off_t>(written));
    if (count < 0 && errno == EINTR)
      continue;
    if (count <= 0) {
      *error = SystemError("pwrite", count < 0 ? errno : ENOSPC,
                           "Could not write the body of a channel message (" +
                               std::to_string(size) + " bytes)");
      return false;
    }
    written += static_cast<uint64_t>(count);
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, kBodySeals) != 0) {
    *error = SystemError("fcntl", errno,
                         "Could not seal the body of a channel message");
    return false;
  }
  *body = OwnedHandle(fd.release(), RightKind::kFd);
  return true;
}

std::unique_ptr<SharedMemoryMapping> MapOutOfLineBody(OwnedHandle* body,
                                                      uint64_t size,
                                                      Error* error) {
  if (body->get() < 0 || body->get() > INT_MAX) {
    *error = BodyError("The out-of-line body is not a descriptor");
    return nullptr;
  }
  if (!CheckSharedMemorySize(size, error))
    return nullptr;
  int fd = static_cast<int>(body->get());
  int seals = 0;
  if (!CheckReceivedMemfd(fd,
                          {kReceivedBodySeals, size, "out-of-line message body",
                           "resizing", true},
                          &seals, error)) {
    return nullptr;
  }
  // Only the announced bytes (to a whole page) are mapped, however large
  // the body is.
  std::optional<MemfdPages> pages = MapMemfdPages(
      fd, size, MappingSharing::kCopyOnWrite, "message body", error);
  if (!pages)
    return nullptr;
  // A checked memfd: closing it can never block, so the mapping owns it
  // from here and it is closed wherever the mapping goes.
  return std::make_unique<MemfdMapping>(
      ScopedFd(static_cast<int>(body->release())), *pages);
}

}  // namespace rendezvous
