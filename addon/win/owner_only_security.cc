#include "win/owner_only_security.h"

#include "win/scoped_handle.h"
#include "win/win_error.h"

namespace rendezvous {

bool OwnerOnlySecurity::Init(Error* error) {
  const std::string what = "Could not make a DACL for the current user";
  HANDLE raw_token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw_token)) {
    *error = LastWindowsError("OpenProcessToken", what);
    return false;
  }
  ScopedHandle token(raw_token);
  DWORD length = 0;
  ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &length);
  user_.resize(length);
  if (length == 0 || !::GetTokenInformation(token.get(), TokenUser,
                                            user_.data(), length, &length)) {
    *error = LastWindowsError("GetTokenInformation", what);
    return false;
  }
  PSID sid = reinterpret_cast<TOKEN_USER*>(user_.data())->User.Sid;
  acl_.resize(sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) + ::GetLengthSid(sid));
  auto* acl = reinterpret_cast<ACL*>(acl_.data());
  if (!::InitializeAcl(acl, static_cast<DWORD>(acl_.size()), ACL_REVISION) ||
      !::AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL, sid) ||
      !::InitializeSecurityDescriptor(&descriptor_,
                                      SECURITY_DESCRIPTOR_REVISION) ||
      !::SetSecurityDescriptorDacl(&descriptor_, TRUE, acl, FALSE)) {
    *error = LastWindowsError("InitializeAcl", what);
    return false;
  }
  attributes_.nLength = sizeof attributes_;
  attributes_.lpSecurityDescriptor = &descriptor_;
  attributes_.bInheritHandle = FALSE;
  return true;
}

}  // namespace rendezvous
