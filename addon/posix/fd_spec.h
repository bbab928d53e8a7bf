// Checks on a file descriptor a caller registers, shared by every backend
// that carries descriptors, so a bad one fails the same way everywhere.
#ifndef ADDON_POSIX_FD_SPEC_H_
#define ADDON_POSIX_FD_SPEC_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/seam/handles.h"

namespace rendezvous {

inline constexpr char kFdMove[] = "move";
inline constexpr char kFdCopy[] = "copy";

bool IsFdDisposition(const std::string& disposition);

// What needs no system call: the disposition and the number's range.
bool CheckFdSpecFields(const RightSpec& spec, Error* error);

// The refusal of a descriptor that is not open (`errno_value` from the
// fcntl that found it so), whichever fcntl found it.
Error FdNotOpen(int fd, int errno_value);

// Everything that can be wrong with one descriptor spec, checked before
// anything is taken: the disposition, the number, that it is open, and that
// no descriptor is moved twice (`moved` collects the moved ones). Changes
// nothing.
bool CheckFdSpec(const RightSpec& spec, std::set<int>* moved, Error* error);

}  // namespace rendezvous

#endif  // ADDON_POSIX_FD_SPEC_H_
