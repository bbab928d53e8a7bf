// Security attributes whose DACL grants access to this process's user only
// (from its token), for kernel objects other users must not open.
#ifndef ADDON_WIN_OWNER_ONLY_SECURITY_H_
#define ADDON_WIN_OWNER_ONLY_SECURITY_H_

#include <windows.h>

#include <vector>

#include "core/error.h"

namespace rendezvous {

class OwnerOnlySecurity {
 public:
  OwnerOnlySecurity() = default;
  OwnerOnlySecurity(const OwnerOnlySecurity&) = delete;
  OwnerOnlySecurity& operator=(const OwnerOnlySecurity&) = delete;

  bool Init(Error* error);
  // Valid while this object lives, once Init() succeeded.
  SECURITY_ATTRIBUTES* attributes() { return &attributes_; }

 private:
  std::vector<uint8_t> user_;  // TOKEN_USER and the SID after it
  std::vector<uint8_t> acl_;
  SECURITY_DESCRIPTOR descriptor_{};
  SECURITY_ATTRIBUTES attributes_{};
};

}  // namespace rendezvous

#endif  // ADDON_WIN_OWNER_ONLY_SECURITY_H_
