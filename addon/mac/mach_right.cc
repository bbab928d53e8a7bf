// Mach rights as registered rights (CheckRights, AdoptRights, MachRight).
#include "mac/mach_right.h"

#include <fcntl.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/seam/handles.h"
#include "core/seam/release.h"
#include "core/shared_memory.h"
#include "mac/fileport.h"
#include "mac/mach_error.h"
#include "posix/fd_spec.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

struct DispositionInfo {
  mach_msg_type_name_t disposition;
  // The right the caller must hold for the name.
  mach_port_type_t needed;
  bool moves;
};

const std::map<std::string, DispositionInfo>& Dispositions() {
  static const auto* dispositions = new std::map<std::string, DispositionInfo>{
      {"move-send", {MACH_MSG_TYPE_MOVE_SEND, MACH_PORT_TYPE_SEND, true}},
      {"copy-send", {MACH_MSG_TYPE_COPY_SEND, MACH_PORT_TYPE_SEND, false}},
      {"make-send", {MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_TYPE_RECEIVE, false}},
      {"move-receive",
       {MACH_MSG_TYPE_MOVE_RECEIVE, MACH_PORT_TYPE_RECEIVE, true}},
      {"make-send-once",
       {MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_PORT_TYPE_RECEIVE, false}},
      {"move-send-once",
       {MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_TYPE_SEND_ONCE, true}},
  };
  return *dispositions;
}

// A payload names what a port carries for the child; its disposition must
// hand over the right that payload is made of.
bool CheckPayload(const RightSpec& spec, Error* error) {
  switch (spec.payload) {
    case RightKind::kFd:
      return true;
    case RightKind::kSharedMemory:
      if (spec.disposition != "copy-send" && spec.disposition != "move-send") {
        *error = Error::Type(codes::kInvalidDisposition,
                             "A shared memory region is sent as 'copy-send' "
                             "or 'move-send' of its memory entry, not '" +
                                 spec.disposition + "'");
        return false;
      }
      // The reply states the size, and the child refuses a region of 0.
      if (spec.byte_length == 0 || spec.byte_length > kMaxSharedMemoryBytes) {
        *error =
            Error::Range(codes::kInvalidRight,
                         "A shared memory region must be 1 to " +
                             std::to_string(kMaxSharedMemoryBytes) +
                             " bytes, not " + std::to_string(spec.byte_length));
        return false;
      }
      return true;
    case RightKind::kChannel:
      if (spec.disposition != "move-receive") {
        *error = Error::Type(codes::kInvalidDisposition,
                             "A channel end is sent as 'move-receive', not '" +
                                 spec.disposition + "'");
        return false;
      }
      return true;
    case RightKind::kSendRight:
    case RightKind::kReceiveRight:
    case RightKind::kSendOnceRight:
    case RightKind::kHandle:  // Windows only
      break;
  }
  *error = Error::Type(codes::kInvalidRight,
                       "payload must be a shared memory region or a channel "
                       "end, or absent");
  return false;
}

}  // namespace

MachRight::MachRight(mach_port_t name,
                     mach_msg_type_name_t disposition,
                     RightKind payload,
                     uint64_t byte_length)
    : name_(name), disposition_(disposition), kind_(RightKind::kSendRight) {
  switch (disposition) {
    case MACH_MSG_TYPE_MOVE_SEND:
      owned_send_.reset(name);
      break;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      kind_ = RightKind::kSendOnceRight;
      if (disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE)
        owned_send_once_.reset(name);
      break;
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      kind_ = RightKind::kReceiveRight;
      owned_receive_.reset(name);
      break;
    default:
      break;
  }
  if (payload == RightKind::kSharedMemory) {
    kind_ = RightKind::kSharedMemory;
    byte_length_ = byte_length;
  } else if (payload == RightKind::kChannel) {
    kind_ = RightKind::kChannel;
  }
}

MachRight::MachRight(ScopedMachSendRight fileport, ScopedFd moved_fd)
    : name_(fileport.get()),
      disposition_(MACH_MSG_TYPE_MOVE_SEND),
      kind_(RightKind::kFd),
      moved_fd_(std::move(moved_fd)),
      owned_send_(std::move(fileport)) {}

void MachRight::MarkSent() {
  // The child has its own reference to the file now; the server's moved
  // descriptor can go, like the server's copy on Linux.
  moved_fd_.reset();
  (void)owned_send_.release();
  (void)owned_send_once_.release();
  (void)owned_receive_.release();
}

void MachRight::ReturnToCaller() {
  if (kind_ == RightKind::kFd) {
    // owned_send_ is the fileport the server made: destroyed with this right.
    (void)moved_fd_.release();
    return;
  }
  (void)owned_send_.release();
  (void)owned_send_once_.release();
  (void)owned_receive_.release();
}

bool CheckRights(const std::vector<RightSpec>& specs, Error* error) {
  std::set<int64_t> moved;  // port names
  std::set<int> moved_fds;
  // Send references a registration spends (move-send, copy-send) per name.
  std::map<mach_port_t, mach_port_urefs_t> sends;
  for (const RightSpec& spec : specs) {
    if (!CheckPayload(spec, error))
      return false;
    if (IsFdDisposition(spec.disposition)) {
      if (!CheckFdSpec(spec, &moved_fds, error))
        return false;
      continue;
    }
    auto it = Dispositions().find(spec.disposition);
    if (it == Dispositions().end()) {
      *error = Error::Type(
          codes::kInvalidDisposition,
          "disposition must be 'move' or 'copy' for a file descriptor, or "
          "one of move-send, copy-send, make-send, move-receive, "
          "make-send-once, move-send-once for a port, not '" +
              spec.disposition + "'");
      return false;
    }
    if (spec.handle <= 0 || spec.handle > UINT_MAX) {
      *error = Error::Range(codes::kInvalidRight,
                            "port must be a valid Mach port name");
      return false;
    }
    mach_port_t name = static_cast<mach_port_t>(spec.handle);
    mach_port_type_t type = 0;
    kern_return_t kr = mach_port_type(mach_task_self(), name, &type);
    if (kr != KERN_SUCCESS) {
      *error = MachError("mach_port_type", kr,
                         "port " + std::to_string(name) +
                             " is not a right "
                             "of this task",
                         codes::kInvalidRight);
      error->error_class = ErrorClass::kTypeError;
      return false;
    }
    if (!(type & it->second.needed)) {
      *error =
          Error::Type(codes::kInvalidRight, "port " + std::to_string(name) +
                                                " does not hold the right '" +
                                                spec.disposition + "' needs");
      return false;
    }
    if (it->second.disposition == MACH_MSG_TYPE_MOVE_SEND ||
        it->second.disposition == MACH_MSG_TYPE_COPY_SEND) {
      ++sends[name];
    }
    if (it->second.moves && !moved.insert(spec.handle).second) {
      *error = Error::Type(codes::kInvalidRight,
                           "port " + std::to_string(name) +
                               " is moved twice; it can have one owner");
      return false;
    }
  }
  // A reply that ran out of send references half-way would be destroyed
  // half-way; refuse it here instead.
  for (const auto& [name, needed] : sends) {
    mach_port_urefs_t refs = 0;
    kern_return_t kr =
        mach_port_get_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, &refs);
    if (kr != KERN_SUCCESS || refs < needed) {
      *error = Error::Type(codes::kInvalidRight,
                           "port " + std::to_string(name) + " has " +
                               std::to_string(refs) +
                               " send references; this registration spends " +
                               std::to_string(needed));
      return false;
    }
  }
  return true;
}

bool AdoptRights(const std::vector<RightSpec>& specs,
                 RightsByKey* rights,
                 Error* error) {
  if (!CheckRights(specs, error))
    return false;
  if (!MarkMovedFdsCloseOnExec(specs, error))
    return false;
  // Fileports first: if one cannot be made, nothing has been taken yet.
  std::map<uint32_t, ScopedMachSendRight> fileports;
  for (const RightSpec& spec : specs) {
    if (!IsFdDisposition(spec.disposition))
      continue;
    ScopedMachSendRight fileport;
    if (fileport_makeport(static_cast<int>(spec.handle), fileport.receive()) <
        0) {
      *error = SystemError(
          "fileport_makeport", errno,
          "Could not make a fileport for fd " + std::to_string(spec.handle));
      return false;
    }
    fileports.emplace(spec.key, std::move(fileport));
  }
  RightsByKey taken;
  for (const RightSpec& spec : specs) {
    if (IsFdDisposition(spec.disposition)) {
      ScopedFd moved;
      if (spec.disposition == kFdMove)
        moved.reset(static_cast<int>(spec.handle));
      taken.emplace(spec.key,
                    std::make_unique<MachRight>(
                        std::move(fileports.at(spec.key)), std::move(moved)));
      continue;
    }
    taken.emplace(spec.key, std::make_unique<MachRight>(
                                static_cast<mach_port_t>(spec.handle),
                                Dispositions().at(spec.disposition).disposition,
                                spec.payload, spec.byte_length));
  }
  *rights = std::move(taken);
  return true;
}

}  // namespace rendezvous
