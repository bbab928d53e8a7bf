#include "linux/process_parent.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "posix/scoped_fd.h"

namespace rendezvous {

namespace {

// The PPid line of /proc/<pid>/status, or -1.
long ParentPidOf(int32_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  ScopedFd status(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!status)
    return -1;
  // PPid comes within the first lines; a long process name is escaped to at
  // most 64 characters before it.
  char text[1024];
  ssize_t length;
  do {
    length = ::read(status.get(), text, sizeof text - 1);
  } while (length < 0 && errno == EINTR);
  if (length <= 0)
    return -1;
  text[length] = '\0';
  const char* line = std::strstr(text, "\nPPid:");
  if (!line)
    return -1;
  char* end = nullptr;
  long parent = std::strtol(line + std::strlen("\nPPid:"), &end, 10);
  return end != line + std::strlen("\nPPid:") ? parent : -1;
}

}  // namespace

// /proc/<pid> names whoever holds the pid when it is read, which is the
// process `process` pins only while that process has not been reaped. So
// the parent is read first and the pidfd checked after: a process that is
// still running then was running throughout the read, kept its pid, and the
// line read was its own. Its parent cannot change to us afterwards either
// (a process becomes ours only by our forking it, or, were this process a
// subreaper, by being our orphaned descendant).
bool IsChildOfThisProcess(int32_t pid, const ScopedPidFd& process) {
  long parent = ParentPidOf(pid);
  return parent == ::getpid() && !process.HasExited();
}

}  // namespace rendezvous
