#include "linux/memfd_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <string>

#include "posix/system_error.h"

namespace rendezvous {

bool CheckReceivedMemfd(int fd,
                        const MemfdRequirements& required,
                        int* seals,
                        Error* error) {
  std::string what = required.what;
  *seals = ::fcntl(fd, F_GET_SEALS);
  // Only memfds (and tmpfs files) have seals at all: anything else (a pipe,
  // a socket, a regular file) fails here as not sealed.
  if (*seals < 0 || (*seals & required.seals) != required.seals) {
    *error = Error::Make(codes::kInvalidRight,
                         "The " + what + " is not sealed against " +
                             required.sealed + ", so mapping it is not safe");
    return false;
  }
  struct stat status;
  if (::fstat(fd, &status) != 0) {
    *error = SystemError("fstat", errno, "Could not inspect the " + what);
    return false;
  }
  uint64_t actual = static_cast<uint64_t>(status.st_size);
  if (required.at_least ? actual < required.size : actual != required.size) {
    *error = Error::Make(
        codes::kInvalidRight,
        "The " + what + " has " + std::to_string(actual) + " bytes, " +
            (required.at_least ? "fewer than" : "not") + " the " +
            std::to_string(required.size) + " its sender stated");
    return false;
  }
  constexpr decltype(statfs::f_type) kHugetlbfsMagic = 0x958458f6;
  struct statfs filesystem;
  if (::fstatfs(fd, &filesystem) != 0 || filesystem.f_type == kHugetlbfsMagic) {
    *error = Error::Make(codes::kInvalidRight,
                         "The " + what +
                             " is not ordinary shared memory (huge pages "
                             "are refused)");
    return false;
  }
  return true;
}

}  // namespace rendezvous
