// What a backend's Right keeps from the spec it was adopted for, when the
// spec says it all: the kind and size the child is told, and whether the
// caller moved its handle to the server (a moved handle goes back to the
// caller on ReturnToCaller; a copy is the server's and is released).
#ifndef ADDON_CORE_ADOPTED_RIGHT_H_
#define ADDON_CORE_ADOPTED_RIGHT_H_

#include <cstdint>

#include "core/right.h"

namespace rendezvous {

class AdoptedRight : public Right {
 public:
  RightKind kind() const override { return kind_; }
  uint64_t byte_length() const override { return byte_length_; }

 protected:
  AdoptedRight(RightKind kind, uint64_t byte_length, bool moved)
      : kind_(kind), byte_length_(byte_length), moved_(moved) {}
  // Whether what this right holds is the caller's own handle.
  bool moved() const { return moved_; }

 private:
  RightKind kind_;
  uint64_t byte_length_;
  bool moved_;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_ADOPTED_RIGHT_H_
