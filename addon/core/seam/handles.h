// The seam: the handles a caller registers, checked and taken by the
// backend, and copies of handles this process owns.
#ifndef ADDON_CORE_SEAM_HANDLES_H_
#define ADDON_CORE_SEAM_HANDLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/owned_handle.h"
#include "core/registration_table.h"
#include "core/right.h"

namespace rendezvous {

// A right as the caller describes it: a handle number and what the server
// should do with it (backend-specific disposition names).
struct RightSpec {
  uint32_t key = 0;
  int64_t handle = -1;
  std::string disposition;
  // What the handle carries for the child: kFd for a plain right (a Mach
  // right's kind then follows from its disposition), kSharedMemory or
  // kChannel for the payloads the JS layer wraps.
  RightKind payload = RightKind::kFd;
  uint64_t byte_length = 0;  // kSharedMemory only
};

// Checks every right without taking or opening anything, so it can run
// before anything else claims a descriptor number a stale handle names.
bool CheckRights(const std::vector<RightSpec>& specs, Error* error);

// Marks the descriptors `specs` moves close-on-exec: the server or a queued
// message holds them from now on, and a process launched meanwhile must not
// inherit them. Takes nothing; `specs` has passed CheckRights.
bool MarkMovedFdsCloseOnExec(const std::vector<RightSpec>& specs, Error* error);

// Takes a whole registration's rights into the server's ownership, all or
// nothing (it checks them again first): on failure nothing was taken and the
// caller still owns every handle. `specs` has already passed CheckRightSpecs.
bool AdoptRights(const std::vector<RightSpec>& specs,
                 RightsByKey* rights,
                 Error* error);

// Makes a second owned handle of `kind` for the object `handle` names (a new
// descriptor, or one more user reference on a send right), so a message can
// carry it while the caller keeps `handle`, which stays the caller's either
// way. Receive rights cannot be duplicated.
bool DuplicateHandle(int64_t handle,
                     RightKind kind,
                     OwnedHandle* copy,
                     Error* error);

}  // namespace rendezvous

#endif  // ADDON_CORE_SEAM_HANDLES_H_
