#include "win/pipe_endpoint.h"

// RtlGenRandom (SystemFunction036), advapi32's cryptographic random bytes.
#include <ntsecapi.h>

#include <cstring>
#include <vector>

#include "core/endpoint_name.h"
#include "core/seam/process.h"
#include "win/scoped_handle.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

constexpr char kKind[] = ".PortRendezvous.";
constexpr size_t kMaxEndpointLength = 256;  // the system's limit on a pipe name

bool IsNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool AllOf(const std::string& text,
           size_t from,
           size_t to,
           bool (*test)(char)) {
  for (size_t i = from; i < to; ++i) {
    if (!test(text[i]))
      return false;
  }
  return true;
}

}  // namespace

bool RandomPipeNonce(EndpointNonce* nonce, const char* what, Error* error) {
  if (::RtlGenRandom(nonce->data(), static_cast<ULONG>(nonce->size())))
    return true;
  *error = LastWindowsError("RtlGenRandom", what);
  return false;
}

bool MakeRandomPipeName(const std::string& prefix,
                        std::string* endpoint,
                        Error* error) {
  EndpointNonce nonce;
  if (!RandomPipeNonce(&nonce, "Could not name the server", error))
    return false;
  *endpoint = ServerEndpointName(kPipeNamespace + prefix + ".PortRendezvous",
                                 CurrentProcessId(), nonce);
  if (!IsPipeEndpoint(*endpoint)) {
    *error = Error::Make(codes::kInvalidArgument,
                         "'" + prefix + "' cannot start a pipe name");
    return false;
  }
  return true;
}

bool IsPipeEndpoint(const std::string& endpoint) {
  const size_t start = std::strlen(kPipeNamespace);
  if (endpoint.size() > kMaxEndpointLength ||
      endpoint.compare(0, start, kPipeNamespace) != 0) {
    return false;
  }
  // From the end: 32 hex digits, a dot, the pid's digits, the kind.
  constexpr size_t kHexDigits = 32;
  if (endpoint.size() < start + 1 + std::strlen(kKind) + 1 + 1 + kHexDigits)
    return false;
  const size_t hex = endpoint.size() - kHexDigits;
  if (!AllOf(endpoint, hex, endpoint.size(),
             [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
             }) ||
      endpoint[hex - 1] != '.') {
    return false;
  }
  size_t pid_start = endpoint.rfind('.', hex - 2) + 1;
  if (pid_start == 0 || pid_start >= hex - 1 || hex - 1 - pid_start > 10 ||
      !AllOf(endpoint, pid_start, hex - 1,
             [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const size_t kind_length = std::strlen(kKind);
  if (pid_start < start + 1 + kind_length ||
      endpoint.compare(pid_start - kind_length, kind_length, kKind) != 0) {
    return false;
  }
  return AllOf(endpoint, start, pid_start - kind_length, IsNameCharacter);
}

std::wstring Widen(const std::string& text) {
  if (text.empty())
    return std::wstring();
  int length = ::MultiByteToWideChar(CP_UTF8, 0, text.data(),
                                     static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(length > 0 ? length : 0), L'\0');
  if (length > 0) {
    ::MultiByteToWideChar(CP_UTF8, 0, text.data(),
                          static_cast<int>(text.size()), wide.data(), length);
  }
  return wide;
}

}  // namespace rendezvous
