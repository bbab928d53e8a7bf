// Which handles an outgoing channel message carries, and who owns each while
// the message is made. The sender lists them: handles to copy (the caller
// keeps its own), handles to move (the message takes the caller's), and
// channel ends to hand over (an end of this process leaves with the
// message). Every check runs before anything is duplicated or taken, so a
// message that cannot be made leaves every handle with its owner, and one
// that can owns exactly one handle per entry, in the listed order.
//
// Thread use: the sending end's JS thread.
#ifndef ADDON_CORE_OUTGOING_HANDLES_H_
#define ADDON_CORE_OUTGOING_HANDLES_H_

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/owned_handle.h"
#include "core/seam/handles.h"

namespace rendezvous {

// A channel end of this process that can leave with a message.
class TransferableEnd {
 public:
  // Whether the end can go now; else `error` says why (it is closed, or in
  // the middle of a message).
  virtual bool CheckTransferable(Error* error) const = 0;
  // Gives the end up: its handle (kind kChannel), now the caller's. Called
  // only once every entry of the message passed its checks.
  virtual OwnedHandle GiveUpEndpoint() = 0;

 protected:
  ~TransferableEnd() = default;
};

struct OutgoingHandle {
  enum class Disposition { kCopy, kMove, kHandOver };

  static OutgoingHandle Copy(int64_t handle,
                             RightKind kind,
                             uint64_t byte_length = 0) {
    return {Disposition::kCopy, handle, kind, byte_length, nullptr};
  }
  static OutgoingHandle Move(int64_t handle,
                             RightKind kind,
                             uint64_t byte_length = 0) {
    return {Disposition::kMove, handle, kind, byte_length, nullptr};
  }
  static OutgoingHandle HandOver(TransferableEnd* end) {
    return {Disposition::kHandOver, -1, RightKind::kChannel, 0, end};
  }

  Disposition disposition = Disposition::kCopy;
  int64_t handle = -1;  // kCopy and kMove: the caller's handle
  RightKind kind = RightKind::kFd;
  uint64_t byte_length = 0;        // kSharedMemory: the region's size
  TransferableEnd* end = nullptr;  // kHandOver
};

// What the system does for it: the backend's functions (core/seam/handles.h)
// in the addon, fakes in the unit tests.
class HandleSystem {
 public:
  // Descriptors get the rendezvous's checks (open, none moved twice), and
  // the moved ones are marked close-on-exec before the message holds them.
  virtual bool CheckFds(const std::vector<RightSpec>& fds, Error* error) = 0;
  virtual bool MarkMovedFdsCloseOnExec(const std::vector<RightSpec>& fds,
                                       Error* error) = 0;
  // A copy of `handle` (which stays the caller's), as DuplicateHandle.
  virtual bool Duplicate(int64_t handle,
                         RightKind kind,
                         OwnedHandle* copy,
                         Error* error) = 0;

 protected:
  ~HandleSystem() = default;
};

// The message's handles for `listed`, in order. False (with `error`) when
// any check fails: then no end was given up, no moved handle taken, and the
// copies made so far are released again.
bool TakeMessageHandles(const std::vector<OutgoingHandle>& listed,
                        HandleSystem& system,
                        std::vector<OwnedHandle>* out,
                        Error* error);

}  // namespace rendezvous

#endif  // ADDON_CORE_OUTGOING_HANDLES_H_
