// The two switches over out-of-line message bodies, read from the
// environment when a channel end is made or adopted, the same on every
// platform that has bodies, so a benchmark can measure each way side by side
// (bench/channel-sweep.js).
#ifndef ADDON_CORE_OUT_OF_LINE_SETTINGS_H_
#define ADDON_CORE_OUT_OF_LINE_SETTINGS_H_

#include <cstdint>

namespace rendezvous {

// kOutOfLineMessageBytes, or ELECTRON_PORT_RENDEZVOUS_OUT_OF_LINE_BYTES
// where that is a number of bytes (0: never out of line).
uint64_t OutOfLineThreshold();

// False where ELECTRON_PORT_RENDEZVOUS_CHANNEL_BODY_POOL is "off": every
// body is then a fresh one.
bool PoolsBodies();

}  // namespace rendezvous

#endif  // ADDON_CORE_OUT_OF_LINE_SETTINGS_H_
