// ServerEndpointName writes both backends' server names: the pid in
// decimal and every random byte as two lowercase hex digits, in order.
#include <string>

#include "core/endpoint_name.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

constexpr EndpointNonce kNonce = {0x00, 0x01, 0x23, 0x45, 0x67, 0x89,
                                  0xab, 0xcd, 0xef, 0xf0, 0x0f, 0x10,
                                  0x9a, 0xbc, 0xde, 0xff};

void WritesTheLinuxAbstractSocketName(Failures& t) {
  EXPECT_EQ(t, ServerEndpointName("@electron-port-rendezvous", 4242, kNonce),
            std::string("@electron-port-rendezvous.4242."
                        "000123456789abcdeff00f109abcdeff"));
}

void WritesTheMacBootstrapName(Failures& t) {
  EXPECT_EQ(t,
            ServerEndpointName("TEAMID.com.example.app.PortRendezvous",
                               2147483647, kNonce),
            std::string("TEAMID.com.example.app.PortRendezvous.2147483647."
                        "000123456789abcdeff00f109abcdeff"));
}

void NamesDifferWithTheNonce(Failures& t) {
  EndpointNonce other = kNonce;
  other.back() = 0xfe;
  std::string name = ServerEndpointName("p", 1, other);
  EXPECT_EQ(t, name.size(), std::string("p.1.").size() + 32);
  EXPECT_TRUE(t, name != ServerEndpointName("p", 1, kNonce));
  EXPECT_EQ(t, name.substr(name.size() - 2), std::string("fe"));
}

}  // namespace

std::vector<UnitTest> EndpointNameTests() {
  return {
      {"EndpointName", "writes the Linux abstract socket name",
       WritesTheLinuxAbstractSocketName},
      {"EndpointName", "writes the macOS bootstrap name",
       WritesTheMacBootstrapName},
      {"EndpointName", "names differ with the nonce", NamesDifferWithTheNonce},
  };
}

}  // namespace rendezvous::unit
