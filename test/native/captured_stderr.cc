#include "captured_stderr.h"

#include <unistd.h>

#include <cstdlib>

namespace rendezvous::unit {

CapturedStderr::CapturedStderr()
    : file_(std::tmpfile()), saved_stderr_(::dup(STDERR_FILENO)) {
  if (!file_ || saved_stderr_ < 0)
    std::abort();  // a test that cannot see stderr would pass blind
  std::fflush(stderr);
  ::dup2(::fileno(file_), STDERR_FILENO);
}

CapturedStderr::~CapturedStderr() {
  std::fflush(stderr);
  ::dup2(saved_stderr_, STDERR_FILENO);
  ::close(saved_stderr_);
  std::fclose(file_);
}

std::string CapturedStderr::text() const {
  std::fflush(stderr);
  std::string text;
  char chunk[256];
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(::fileno(file_), chunk, sizeof(chunk), offset);
    if (n <= 0)
      return text;
    text.append(chunk, static_cast<size_t>(n));
    offset += n;
  }
}

}  // namespace rendezvous::unit
