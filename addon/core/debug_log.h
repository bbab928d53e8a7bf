// Native half of NODE_DEBUG=rendezvous: one line per event on stderr, in the
// same shape as Node's util.debuglog ("RENDEZVOUS <pid>: ...").
#ifndef ADDON_CORE_DEBUG_LOG_H_
#define ADDON_CORE_DEBUG_LOG_H_

#include <string>

namespace rendezvous {

class DebugLog {
 public:
  DebugLog() = default;
  DebugLog(bool enabled, long pid);
  bool enabled() const { return enabled_; }
  void operator()(const char* format, ...) const
      __attribute__((format(printf, 2, 3)));

 private:
  bool enabled_ = false;
  std::string prefix_;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_DEBUG_LOG_H_
