// The name a rendezvous server is found by: "<prefix>.<pid>.<32 hex>". The
// pid says whose server it is; the random part makes the name unguessable,
// so an unrelated process cannot take it first. Who may ask is decided by
// what the kernel reports about the asker, never by the name.
//
// Linux:  "@electron-port-rendezvous.<pid>.<hex>" (an abstract socket)
// macOS:  "<prefix>.PortRendezvous.<pid>.<hex>" (a bootstrap name)
#ifndef ADDON_CORE_ENDPOINT_NAME_H_
#define ADDON_CORE_ENDPOINT_NAME_H_

#include <array>
#include <cstdint>
#include <string>

namespace rendezvous {

// 128 random bits, from the backend's source of randomness.
using EndpointNonce = std::array<uint8_t, 16>;

// `prefix`, the server's pid, and `nonce` in lowercase hex, dot-separated.
std::string ServerEndpointName(const std::string& prefix,
                               int64_t pid,
                               const EndpointNonce& nonce);

}  // namespace rendezvous

#endif  // ADDON_CORE_ENDPOINT_NAME_H_
