#include "core/debug_log.h"

#include <atomic>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <string_view>

namespace rendezvous {

namespace {

// Set again by each environment that loads the addon (workers too), to the
// same values, while other threads may be logging.
std::atomic<bool> process_log_enabled{false};
std::atomic<long> process_log_pid{0};

bool SameLetter(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) ==
         std::tolower(static_cast<unsigned char>(b));
}

bool GlobMatches(std::string_view pattern, std::string_view text) {
  if (pattern.empty())
    return text.empty();
  if (pattern.front() == '*') {
    return GlobMatches(pattern.substr(1), text) ||
           (!text.empty() && GlobMatches(pattern, text.substr(1)));
  }
  return !text.empty() && SameLetter(pattern.front(), text.front()) &&
         GlobMatches(pattern.substr(1), text.substr(1));
}

}  // namespace

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

void SetProcessDebugLog(bool enabled, long pid) {
  process_log_pid.store(pid);
  process_log_enabled.store(enabled);
}

DebugLog ProcessDebugLog() {
  if (!process_log_enabled.load())
    return DebugLog();
  return DebugLog(true, process_log_pid.load());
}

bool NodeDebugNames(const char* node_debug, const char* section) {
  if (node_debug == nullptr)
    return false;
  std::string_view names(node_debug);
  for (;;) {
    size_t comma = names.find(',');
    if (GlobMatches(names.substr(0, comma), section))
      return true;
    if (comma == std::string_view::npos)
      return false;
    names.remove_prefix(comma + 1);
  }
}

}  // namespace rendezvous
