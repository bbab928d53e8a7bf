#include "win/pipe_endpoint.h"

#include <sddl.h>
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

bool MakeRandomPipeName(const std::string& prefix,
                        std::string* endpoint,
                        Error* error) {
  EndpointNonce nonce;
  if (!::RtlGenRandom(nonce.data(), static_cast<ULONG>(nonce.size()))) {
    *error = LastWindowsError("RtlGenRandom", "Could not name the server");
    return false;
  }
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

std::unique_ptr<CurrentUserOnly> CurrentUserOnly::Make(Error* error) {
  const char* what = "Could not secure the server's pipe";
  HANDLE raw_token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw_token)) {
    *error = LastWindowsError("OpenProcessToken", what);
    return nullptr;
  }
  ScopedHandle token(raw_token);
  DWORD size = 0;
  ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  std::vector<uint8_t> buffer(size);
  if (size == 0 || !::GetTokenInformation(token.get(), TokenUser, buffer.data(),
                                          size, &size)) {
    *error = LastWindowsError("GetTokenInformation", what);
    return nullptr;
  }
  LPWSTR sid_text = nullptr;
  if (!::ConvertSidToStringSidW(
          reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &sid_text)) {
    *error = LastWindowsError("ConvertSidToStringSidW", what);
    return nullptr;
  }
  // Protected (P): nothing inherited; one entry: generic all for the user.
  std::wstring sddl = std::wstring(L"D:P(A;;GA;;;") + sid_text + L")";
  ::LocalFree(sid_text);
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(
          sddl.c_str(), SDDL_REVISION_1, &descriptor, nullptr)) {
    *error = LastWindowsError(
        "ConvertStringSecurityDescriptorToSecurityDescriptorW", what);
    return nullptr;
  }
  return std::unique_ptr<CurrentUserOnly>(new CurrentUserOnly(descriptor));
}

CurrentUserOnly::CurrentUserOnly(PSECURITY_DESCRIPTOR descriptor)
    : descriptor_(descriptor) {
  attributes_.nLength = sizeof(attributes_);
  attributes_.lpSecurityDescriptor = descriptor_;
  attributes_.bInheritHandle = FALSE;
}

CurrentUserOnly::~CurrentUserOnly() {
  ::LocalFree(descriptor_);
}

}  // namespace rendezvous
