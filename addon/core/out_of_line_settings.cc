#include "core/out_of_line_settings.h"

#include <cstdlib>
#include <cstring>

#include "core/limits.h"

namespace rendezvous {

uint64_t OutOfLineThreshold() {
  const char* value = std::getenv("ELECTRON_PORT_RENDEZVOUS_OUT_OF_LINE_BYTES");
  if (value == nullptr)
    return kOutOfLineMessageBytes;
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(value, &end, 10);
  return end != value && *end == '\0' ? parsed : kOutOfLineMessageBytes;
}

bool PoolsBodies() {
  const char* value = std::getenv("ELECTRON_PORT_RENDEZVOUS_CHANNEL_BODY_POOL");
  return value == nullptr || std::strcmp(value, "off") != 0;
}

}  // namespace rendezvous
