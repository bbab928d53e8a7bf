// What this process writes to stderr while one of these lives, for tests of
// what the addon logs. Descriptor 2 is pointed at a temporary file and put
// back on destruction.
//
// Thread use: the test's thread; other threads' lines meanwhile are caught
// too.
#ifndef TEST_NATIVE_CAPTURED_STDERR_H_
#define TEST_NATIVE_CAPTURED_STDERR_H_

#include <cstdio>
#include <string>

namespace rendezvous::unit {

class CapturedStderr {
 public:
  CapturedStderr();
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;
  ~CapturedStderr();

  // Everything written so far.
  std::string text() const;

 private:
  std::wstring name_;  // the file's name where it must be removed by hand
  std::FILE* file_;
  int saved_stderr_;
};

}  // namespace rendezvous::unit

#endif  // TEST_NATIVE_CAPTURED_STDERR_H_
