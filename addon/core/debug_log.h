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

// The process-wide log, for what runs with no config at hand: an owner
// freeing a handle from its destructor, whose failure has no caller to go
// to. Off until the addon turns it on as it loads. Any thread.
void SetProcessDebugLog(bool enabled, long pid);
DebugLog ProcessDebugLog();

// Whether `node_debug` (NODE_DEBUG's value, or null) names `section` as
// Node's util.debuglog reads it: comma-separated names in any case, `*`
// matching any run of characters, nothing trimmed.
bool NodeDebugNames(const char* node_debug, const char* section);

}  // namespace rendezvous

#endif  // ADDON_CORE_DEBUG_LOG_H_
