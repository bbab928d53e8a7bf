#include "linux/endpoint.h"

#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/endpoint_name.h"
#include "core/seam/process.h"
#include "posix/system_error.h"

namespace rendezvous {

bool MakeRandomEndpoint(std::string* endpoint, Error* error) {
  EndpointNonce nonce;
  size_t filled = 0;
  while (filled < nonce.size()) {
    ssize_t n = ::getrandom(nonce.data() + filled, nonce.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      *error = SystemError("getrandom", errno, "Could not name the server");
      return false;
    }
    filled += static_cast<size_t>(n);
  }
  *endpoint = ServerEndpointName("@electron-port-rendezvous",
                                 CurrentProcessId(), nonce);
  return true;
}

bool EndpointAddress(const std::string& endpoint,
                     sockaddr_un* address,
                     socklen_t* length) {
  if (endpoint.size() < 2 || endpoint[0] != '@' ||
      endpoint.size() > sizeof(address->sun_path) ||
      endpoint.find('\0') != std::string::npos) {
    return false;
  }
  std::memset(address, 0, sizeof(*address));
  address->sun_family = AF_UNIX;
  // Abstract address: a NUL, then the name without the '@'; its length, not
  // a terminator, ends it.
  std::memcpy(address->sun_path + 1, endpoint.data() + 1, endpoint.size() - 1);
  *length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + endpoint.size());
  return true;
}

}  // namespace rendezvous
