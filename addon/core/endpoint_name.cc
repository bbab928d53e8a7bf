#include "core/endpoint_name.h"

namespace rendezvous {

std::string ServerEndpointName(const std::string& prefix,
                               int64_t pid,
                               const EndpointNonce& nonce) {
  static const char kHex[] = "0123456789abcdef";
  std::string name = prefix + "." + std::to_string(pid) + ".";
  for (uint8_t byte : nonce) {
    name += kHex[byte >> 4];
    name += kHex[byte & 0xf];
  }
  return name;
}

}  // namespace rendezvous
