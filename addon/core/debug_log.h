// Native half of NODE_DEBUG=rendezvous: one line per event on stderr, in the
// same shape as Node's util.debuglog ("RENDEZVOUS <pid>: ...").
#ifndef ADDON_CORE_DEBUG_LOG_H_
#define ADDON_CORE_DEBUG_LOG_H_

#include <string>

// Lets the compiler check a printf-style format against its arguments. On
// mingw-w64 the C99 printf (__USE_MINGW_ANSI_STDIO) is the one checked
// against, as it is the one that runs; MSVC has no such check.
#if defined(__MINGW32__)
#define RENDEZVOUS_PRINTF_LIKE(format_index, first_argument) \
  __attribute__((format(__MINGW_PRINTF_FORMAT, format_index, first_argument)))
#elif defined(__GNUC__)
#define RENDEZVOUS_PRINTF_LIKE(format_index, first_argument) \
  __attribute__((format(printf, format_index, first_argument)))
#else
#define RENDEZVOUS_PRINTF_LIKE(format_index, first_argument)
#endif

namespace rendezvous {

class DebugLog {
 public:
  DebugLog() = default;
  DebugLog(bool enabled, long pid);
  bool enabled() const { return enabled_; }
  void operator()(const char* format, ...) const RENDEZVOUS_PRINTF_LIKE(2, 3);

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
