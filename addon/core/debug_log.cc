#include "core/debug_log.h"

#include <cstdarg>
#include <cstdio>

namespace rendezvous {

DebugLog::DebugLog(bool enabled, long pid) : enabled_(enabled) {
  if (enabled)
    prefix_ = "RENDEZVOUS " + std::to_string(pid) + ": native ";
}

void DebugLog::operator()(const char* format, ...) const {
  if (!enabled_)
    return;
  char line[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof(line), format, args);
  va_end(args);
  // One fprintf per line keeps lines from the server thread whole.
  std::fprintf(stderr, "%s%s\n", prefix_.c_str(), line);
}

}  // namespace rendezvous
