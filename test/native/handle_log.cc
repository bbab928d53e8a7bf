#include "handle_log.h"

#include <cstdio>
#include <cstdlib>

#include "core/seam/release.h"

namespace rendezvous {

namespace {

// The one piece of mutable state in the unit tests: ReleaseReceivedRight is
// a free function, so the running test's log is reached through this.
unit::ScopedHandleLog* current_log = nullptr;

}  // namespace

void ReleaseReceivedRight(int64_t handle, RightKind /*kind*/) {
  if (!current_log) {
    // A handle released outside any test's log would go uncounted.
    std::fprintf(stderr, "handle %lld released with no ScopedHandleLog\n",
                 static_cast<long long>(handle));
    std::abort();
  }
  current_log->RecordRelease(handle);
}

namespace unit {

ScopedHandleLog::ScopedHandleLog() {
  if (current_log)
    std::abort();
  current_log = this;
}

ScopedHandleLog::~ScopedHandleLog() {
  current_log = nullptr;
}

int ScopedHandleLog::releases_of(int64_t handle) const {
  auto it = releases_.find(handle);
  return it == releases_.end() ? 0 : it->second;
}

int ScopedHandleLog::total_releases() const {
  int total = 0;
  for (const auto& [handle, count] : releases_)
    total += count;
  return total;
}

}  // namespace unit

}  // namespace rendezvous
