// The macOS backend's Right: one port name, how it is sent, and the right the
// server owns for it until the child claims it.
//
// A file descriptor travels as a fileport sent with MOVE_SEND; a `move`d
// descriptor also stays open, owned here, until the child has it (as on
// Linux, its number is no longer the caller's).
//
// A port may also carry a payload the JS layer wraps: a shared memory region
// (a memory entry's send right, sent copy-send or move-send, with the
// region's size) or a channel end (its receive right, sent move-receive).
// The right then goes out exactly as its disposition says; only the kind the
// child is told, and the size, differ.
//
// Ownership of port rights follows the disposition, as documented in
// docs/api.md:
//   move-send, move-send-once, move-receive: the server owns the caller's
//     right from registration on and destroys it if the child never claims;
//   copy-send, make-send, make-send-once: the right is made or copied when
//     the reply is sent; the server owns nothing and the caller must keep its
//     right alive until then.
#ifndef ADDON_MAC_MACH_RIGHT_H_
#define ADDON_MAC_MACH_RIGHT_H_

#include <mach/mach.h>
#include <mach/notify.h>

#include "core/right.h"
#include "mac/reply_rules.h"
#include "mac/scoped_mach_port.h"
#include "posix/scoped_fd.h"

namespace rendezvous {

// mac/reply_rules.h states these Mach numbers without the Mach headers.
static_assert(mac::rules::kNullName == MACH_PORT_NULL);
static_assert(mac::rules::kDeadName == MACH_PORT_DEAD);
static_assert(mac::rules::kPortDescriptor == MACH_MSG_PORT_DESCRIPTOR);
static_assert(mac::rules::kPortReceive == MACH_MSG_TYPE_PORT_RECEIVE);
static_assert(mac::rules::kPortSend == MACH_MSG_TYPE_PORT_SEND);
static_assert(mac::rules::kPortSendOnce == MACH_MSG_TYPE_PORT_SEND_ONCE);
static_assert(mac::rules::kSendOnceNotificationId == MACH_NOTIFY_SEND_ONCE);
static_assert(mac::rules::kHeaderSize == sizeof(mach_msg_header_t));

// The disposition a right of `kind` arrives with in a received message.
inline mach_msg_type_name_t ArrivingDisposition(RightKind kind) {
  return mac::rules::ArrivingDisposition(kind);
}

class MachRight : public Right {
 public:
  // `payload` is the spec's (kFd: the kind follows from the disposition);
  // CheckRights has matched it to the disposition already.
  MachRight(mach_port_t name,
            mach_msg_type_name_t disposition,
            RightKind payload = RightKind::kFd,
            uint64_t byte_length = 0);
  // A descriptor's fileport (owned), and the descriptor itself when moved.
  MachRight(ScopedMachSendRight fileport, ScopedFd moved_fd);

  RightKind kind() const override { return kind_; }
  uint64_t byte_length() const override { return byte_length_; }
  mach_port_t name() const { return name_; }
  mach_msg_type_name_t disposition() const { return disposition_; }
  // The reply carrying this right was sent: the kernel moved whatever the
  // server owned, so there is nothing left to release.
  void MarkSent();
  // A launch that never ran: the caller's own moved descriptor or moved
  // right is its again; what the server made (a descriptor's fileport) is
  // still released.
  void ReturnToCaller() override;

 private:
  mach_port_t name_;
  mach_msg_type_name_t disposition_;
  RightKind kind_;
  uint64_t byte_length_ = 0;  // kSharedMemory only
  ScopedFd moved_fd_;
  ScopedMachSendRight owned_send_;
  ScopedMachSendOnceRight owned_send_once_;
  ScopedMachReceiveRight owned_receive_;
};

}  // namespace rendezvous

#endif  // ADDON_MAC_MACH_RIGHT_H_
