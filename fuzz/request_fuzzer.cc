// Fuzzes the server's parse of a rendezvous request: any bytes a connected
// peer can send. Only an exact, well-formed request may be accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/wire_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bool accepted = rendezvous::wire::DecodeRequest(data, size);
  if (accepted) {
    // Whatever was accepted is byte for byte the one request there is.
    std::vector<uint8_t> request = rendezvous::wire::EncodeRequest();
    if (size != request.size() || std::memcmp(data, request.data(), size) != 0)
      std::abort();
  }
  return 0;
}
