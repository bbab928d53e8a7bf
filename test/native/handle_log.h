// Where OwnedHandle's releases go in the unit tests. OwnedHandle releases
// through the backend's ReleaseReceivedRight (core/seam/release.h); the
// unit-test addon links no backend, and handle_log.cc defines that function to
// record each release into the log of the test that is running, so a test can
// check that a message's handles are released exactly once, and only when the
// sender gives them up.
//
// Thread use: the test's thread only.
#ifndef TEST_NATIVE_HANDLE_LOG_H_
#define TEST_NATIVE_HANDLE_LOG_H_

#include <cstdint>
#include <map>

namespace rendezvous::unit {

// Records releases while it lives; one at a time.
class ScopedHandleLog {
 public:
  ScopedHandleLog();
  ScopedHandleLog(const ScopedHandleLog&) = delete;
  ScopedHandleLog& operator=(const ScopedHandleLog&) = delete;
  ~ScopedHandleLog();

  int releases_of(int64_t handle) const;
  int total_releases() const;
  void RecordRelease(int64_t handle) { ++releases_[handle]; }

 private:
  std::map<int64_t, int> releases_;
};

}  // namespace rendezvous::unit

#endif  // TEST_NATIVE_HANDLE_LOG_H_
