// What may arrive on the rendezvous reply port and in a message's port
// descriptors, stated over plain numbers. It includes no Mach header on
// purpose, so the rules are compiled and tested on every platform
// (test/25.mach-rights.test.js); mac/mach_right.h checks each number against
// the Mach header that defines it.
#ifndef ADDON_MAC_REPLY_RULES_H_
#define ADDON_MAC_REPLY_RULES_H_

#include <cstdint>

#include "core/right.h"

namespace rendezvous::mac::rules {

inline constexpr uint32_t kNullName = 0;           // MACH_PORT_NULL
inline constexpr uint32_t kDeadName = 0xffffffff;  // MACH_PORT_DEAD
inline constexpr uint32_t kPortDescriptor = 0;     // MACH_MSG_PORT_DESCRIPTOR
inline constexpr uint32_t kPortReceive = 16;       // MACH_MSG_TYPE_PORT_RECEIVE
inline constexpr uint32_t kPortSend = 17;          // MACH_MSG_TYPE_PORT_SEND
inline constexpr uint32_t kPortSendOnce = 18;  // MACH_MSG_TYPE_PORT_SEND_ONCE
// MACH_NOTIFY_SEND_ONCE: the kernel's message for a send-once right that
// was destroyed without being used. It is a bare header.
inline constexpr int32_t kSendOnceNotificationId = 0x47;
inline constexpr uint32_t kHeaderSize = 24;  // sizeof(mach_msg_header_t)
// The kernel's audit token is all zeros; no user process has pid 0.
inline constexpr int32_t kKernelPid = 0;

// The right a descriptor of `kind` is once received.
constexpr uint32_t ArrivingDisposition(RightKind kind) {
  switch (kind) {
    case RightKind::kFd:  // a fileport
    case RightKind::kSendRight:
    case RightKind::kSharedMemory:  // a memory entry
      return kPortSend;
    case RightKind::kSendOnceRight:
      return kPortSendOnce;
    case RightKind::kReceiveRight:
    case RightKind::kChannel:  // a channel end's inbox
      return kPortReceive;
    case RightKind::kHandle:  // Windows only: never arrives here
      return 0;
  }
  return 0;
}

// Whether a right of `kind` may arrive under `name`. The kernel copies
// descriptors in accepting dead names, and copies a port that died on the way
// out as MACH_PORT_DEAD: a send or send-once right whose port died arrives so,
// and is still that key's right. A fileport or a memory entry is a kernel
// object that lives while any send right to it does (the message holds one),
// and a receive right in a message is owned by the message: neither can die on
// the way. A shared memory key is accepted dead all the same, so only its
// take fails. A null name was never a right.
constexpr bool AcceptableName(RightKind kind, uint32_t name) {
  if (name != kNullName && name != kDeadName)
    return true;
  return name == kDeadName &&
         (kind == RightKind::kSendRight || kind == RightKind::kSendOnceRight ||
          kind == RightKind::kSharedMemory);
}

// The kind a right that came in a channel frame as `kind` is handed to its
// receiver as. A descriptor comes as a fileport: when it was opened as a
// descriptor it is one; when it was not (the receiver does not take it, or
// opening an earlier one failed) the fileport goes on as the send right it
// is. The receiver releases either on its release thread, since dropping a
// fileport's last send right closes the file.
constexpr RightKind HandedOutKind(RightKind kind, bool opened) {
  return kind == RightKind::kFd && !opened ? RightKind::kSendRight : kind;
}

// Why a received port descriptor cannot carry the right its entry names, or
// nullptr when it can.
constexpr const char* DescriptorProblem(RightKind kind,
                                        uint32_t type,
                                        uint32_t name,
                                        uint32_t disposition) {
  if (type != kPortDescriptor)
    return "is not a port descriptor";
  if (!AcceptableName(kind, name))
    return "has no right under its name";
  if (disposition != ArrivingDisposition(kind))
    return "is not the right its entry names";
  return nullptr;
}

// Whether a message on the reply port is the kernel saying that the server
// destroyed the reply right unanswered (it stopped, refused the request, or
// its reply could not be sent). Only the kernel sends it, and only it can
// send with pid 0 in the audit token.
constexpr bool IsUnansweredNotice(int32_t id,
                                  uint32_t size,
                                  bool complex,
                                  int32_t sender_pid) {
  return id == kSendOnceNotificationId && size == kHeaderSize && !complex &&
         sender_pid == kKernelPid;
}

}  // namespace rendezvous::mac::rules

#endif  // ADDON_MAC_REPLY_RULES_H_
