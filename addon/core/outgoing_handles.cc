#include "core/outgoing_handles.h"

#include <set>
#include <utility>

namespace rendezvous {

namespace {

using Disposition = OutgoingHandle::Disposition;

// Every end may go, and none is listed twice (giving one up twice would
// hand over a handle it no longer has).
bool CheckEnds(const std::vector<OutgoingHandle>& listed, Error* error) {
  std::set<const TransferableEnd*> ends;
  for (const OutgoingHandle& entry : listed) {
    if (entry.disposition != Disposition::kHandOver)
      continue;
    if (!ends.insert(entry.end).second) {
      *error = Error::Type(codes::kInvalidRight, "A channel end is sent twice");
      return false;
    }
    if (!entry.end->CheckTransferable(error))
      return false;
  }
  return true;
}

bool CheckFds(const std::vector<OutgoingHandle>& listed,
              HandleSystem& system,
              Error* error) {
  std::vector<RightSpec> fds;
  for (size_t i = 0; i < listed.size(); ++i) {
    const OutgoingHandle& entry = listed[i];
    if (entry.disposition == Disposition::kHandOver ||
        entry.kind != RightKind::kFd) {
      continue;
    }
    fds.push_back(
        RightSpec{static_cast<uint32_t>(i), entry.handle,
                  entry.disposition == Disposition::kMove ? "move" : "copy"});
  }
  return system.CheckFds(fds, error) &&
         system.MarkMovedFdsCloseOnExec(fds, error);
}

}  // namespace

bool TakeMessageHandles(const std::vector<OutgoingHandle>& listed,
                        HandleSystem& system,
                        std::vector<OwnedHandle>* out,
                        Error* error) {
  if (!CheckEnds(listed, error) || !CheckFds(listed, system, error))
    return false;
  // Copies first: a duplicate can still fail, and then the copies made so
  // far are released as `copies` goes.
  std::vector<OwnedHandle> copies;
  for (const OutgoingHandle& entry : listed) {
    if (entry.disposition != Disposition::kCopy)
      continue;
    OwnedHandle copy;
    if (!system.Duplicate(entry.handle, entry.kind, &copy, error))
      return false;
    // Rewrapped at once, so the copy carries the region's size too.
    copies.emplace_back(copy.release(), entry.kind, entry.byte_length);
  }
  // Moves and hand-overs last, once nothing can fail any more, each in its
  // listed place.
  std::vector<OwnedHandle> ordered;
  size_t next_copy = 0;
  for (const OutgoingHandle& entry : listed) {
    switch (entry.disposition) {
      case Disposition::kCopy:
        ordered.push_back(std::move(copies[next_copy++]));
        break;
      case Disposition::kMove:
        ordered.emplace_back(entry.handle, entry.kind, entry.byte_length);
        break;
      case Disposition::kHandOver:
        ordered.push_back(entry.end->GiveUpEndpoint());
        break;
    }
  }
  *out = std::move(ordered);
  return true;
}

}  // namespace rendezvous
