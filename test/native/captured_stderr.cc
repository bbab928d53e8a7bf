#include "captured_stderr.h"

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <unistd.h>
#endif

#include <cstdlib>

namespace rendezvous::unit {

namespace {

#ifdef _WIN32
// msvcrt's tmpfile() makes its file in the drive's root, which a user may
// not write to: a file in the user's temporary directory instead, removed
// by the destructor.
std::FILE* TemporaryFile(std::wstring* name) {
  wchar_t dir[MAX_PATH + 1];
  wchar_t path[MAX_PATH + 1];
  if (!::GetTempPathW(MAX_PATH + 1, dir) ||
      !::GetTempFileNameW(dir, L"epr", 0, path))
    return nullptr;
  *name = path;
  return ::_wfopen(path, L"w+b");
}
constexpr int kStderr = 2;
int Duplicate(int fd) {
  return ::_dup(fd);
}
int DuplicateTo(int from, int to) {
  return ::_dup2(from, to);
}
int Close(int fd) {
  return ::_close(fd);
}
#else
std::FILE* TemporaryFile(std::wstring*) {
  return std::tmpfile();
}
constexpr int kStderr = STDERR_FILENO;
int Duplicate(int fd) {
  return ::dup(fd);
}
int DuplicateTo(int from, int to) {
  return ::dup2(from, to);
}
int Close(int fd) {
  return ::close(fd);
}
#endif

// Reads the whole file without moving the offset descriptor 2 shares.
std::string ReadAll(std::FILE* file) {
  int fd = ::fileno(file);
  std::string text;
  char chunk[256];
#ifdef _WIN32
  __int64 saved = ::_lseeki64(fd, 0, SEEK_CUR);
  ::_lseeki64(fd, 0, SEEK_SET);
  for (int n; (n = ::_read(fd, chunk, sizeof(chunk))) > 0;)
    text.append(chunk, static_cast<size_t>(n));
  ::_lseeki64(fd, saved, SEEK_SET);
#else
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(fd, chunk, sizeof(chunk), offset);
    if (n <= 0)
      break;
    text.append(chunk, static_cast<size_t>(n));
    offset += n;
  }
#endif
  return text;
}

}  // namespace

CapturedStderr::CapturedStderr()
    : file_(TemporaryFile(&name_)), saved_stderr_(Duplicate(kStderr)) {
  if (!file_ || saved_stderr_ < 0)
    std::abort();  // a test that cannot see stderr would pass blind
  std::fflush(stderr);
  DuplicateTo(::fileno(file_), kStderr);
}

CapturedStderr::~CapturedStderr() {
  std::fflush(stderr);
  DuplicateTo(saved_stderr_, kStderr);
  Close(saved_stderr_);
  std::fclose(file_);
#ifdef _WIN32
  ::_wunlink(name_.c_str());
#endif
}

std::string CapturedStderr::text() const {
  std::fflush(stderr);
  return ReadAll(file_);
}

}  // namespace rendezvous::unit
