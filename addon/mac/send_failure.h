// What a failed mach_msg() send did to the message, and whether sending it
// again may succeed. Stated over plain numbers with no Mach header, so it is
// compiled and tested on every platform (test/25.mach-rights.test.js); on
// macOS each number is checked against <mach/message.h> below.
//
// From XNU's send path (osfmk/ipc/mach_msg.c mach_msg_trap_send,
// osfmk/ipc/ipc_kmsg.c, osfmk/ipc/ipc_mqueue.c), a send fails at one of four
// stages:
//   1. Before any right is copied in: the size checks of mach_msg_trap_send
//      (MACH_SEND_MSG_TOO_SMALL, MACH_SEND_TOO_LARGE), the kernel message
//      allocation (ipc_kmsg_alloc: MACH_SEND_NO_BUFFER), reading and sizing
//      the user's buffer and descriptors (ipc_kmsg_get_and_inflate_from_user,
//      ipc_kmsg_measure_descriptors_from_user, the ipc_kmsg_inflate_*
//      routines: MACH_SEND_INVALID_DATA, MACH_SEND_INVALID_TYPE,
//      MACH_SEND_MSG_TOO_SMALL, MACH_SEND_TOO_LARGE) and the header's rights,
//      which ipc_kmsg_copyin_header takes all or none of
//      (MACH_SEND_INVALID_HEADER, MACH_SEND_INVALID_DEST,
//      MACH_SEND_INVALID_REPLY, MACH_SEND_INVALID_VOUCHER,
//      MACH_SEND_INVALID_CONTEXT). The message is untouched.
//   2. After the header's rights, before the body's: ipc_kmsg_copyin_from_user
//      destroys the header's rights (ipc_kmsg_clean_header) when
//      ipc_validate_kmsg_header_from_user (osfmk/ipc/ipc_policy.c) refuses
//      the destination (MACH_SEND_NO_GRANT_DEST, MACH_SEND_MSG_FILTERED).
//      A right the header copied or made was the kernel's own; one it moved
//      is gone. The body's rights are untouched.
//   3. Part-way through the body: ipc_kmsg_copyin_body destroys the header's
//      rights and every descriptor copied in before the one that failed
//      (MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_MEMORY, and
//      MACH_MSG_VM_KERNEL when kernel memory for the out-of-line data runs
//      short; that code also comes from ipc_validate_kmsg_schema_from_user,
//      before anything was taken).
//   4. Once queueing fails (ipc_kmsg_send, ipc_mqueue_send_locked): a full
//      queue (MACH_SEND_TIMED_OUT; with a zero timeout it is reported before
//      the kernel-full check's MACH_SEND_NO_BUFFER), an interrupted wait
//      (MACH_SEND_INTERRUPTED), MACH_SEND_INVALID_OPTIONS. mach_msg_trap_send
//      then pseudo-receives the message (mach_msg_receive_pseudo,
//      ipc_kmsg_copyout_pseudo): every right and region is put back into the
//      sender under the names written into the message, the header's
//      dispositions rewritten to the received kinds (COPY_SEND comes back as
//      PORT_SEND, MAKE_SEND_ONCE as PORT_SEND_ONCE). A right with no room in
//      the name space is destroyed, its name null, and MACH_MSG_IPC_SPACE
//      (or another resource bit) is OR'd into the code. A destination that
//      died while queueing is no failure: ipc_kmsg_send destroys the message
//      and reports success.
//
// A code that more than one stage returns is classed as the most that stage
// may have destroyed: a right leaked is safe, a name released twice is not.
// A caller that sees the header rewritten (see CameBack) knows it was stage
// 4 whatever the code. MACH_SEND_NO_BUFFER is stage 1 for our sends, all of
// which give MACH_SEND_TIMEOUT with a zero timeout.
#ifndef ADDON_MAC_SEND_FAILURE_H_
#define ADDON_MAC_SEND_FAILURE_H_

#include <cstdint>

namespace rendezvous::mac::sending {

// <mach/message.h>'s send return codes.
inline constexpr uint32_t kResourceBits = 0x3e00;        // MACH_MSG_MASK
inline constexpr uint32_t kVmKernel = 0x400;             // MACH_MSG_VM_KERNEL
inline constexpr uint32_t kInvalidData = 0x10000002;     // ..._INVALID_DATA
inline constexpr uint32_t kInvalidDest = 0x10000003;     // ..._INVALID_DEST
inline constexpr uint32_t kTimedOut = 0x10000004;        // ..._TIMED_OUT
inline constexpr uint32_t kInvalidVoucher = 0x10000005;  // ..._INVALID_VOUCHER
inline constexpr uint32_t kInterrupted = 0x10000007;     // ..._INTERRUPTED
inline constexpr uint32_t kMsgTooSmall = 0x10000008;     // ..._MSG_TOO_SMALL
inline constexpr uint32_t kInvalidReply = 0x10000009;    // ..._INVALID_REPLY
inline constexpr uint32_t kInvalidRight = 0x1000000a;    // ..._INVALID_RIGHT
inline constexpr uint32_t kInvalidMemory = 0x1000000c;   // ..._INVALID_MEMORY
inline constexpr uint32_t kNoBuffer = 0x1000000d;        // ..._NO_BUFFER
inline constexpr uint32_t kTooLarge = 0x1000000e;        // ..._TOO_LARGE
inline constexpr uint32_t kInvalidType = 0x1000000f;     // ..._INVALID_TYPE
inline constexpr uint32_t kInvalidHeader = 0x10000010;   // ..._INVALID_HEADER
inline constexpr uint32_t kInvalidContext = 0x10000012;  // ..._INVALID_CONTEXT
inline constexpr uint32_t kNoGrantDest = 0x10000016;     // ..._NO_GRANT_DEST
inline constexpr uint32_t kMsgFiltered = 0x10000017;     // ..._MSG_FILTERED

enum class SendFailure {
  kNothingConsumed,  // stage 1: every right is still where the sender had it
  kHeaderDestroyed,  // stage 2: the header's moved rights are gone
  kPartlyDestroyed,  // stage 3 (or unknown): never release any right again
  kPseudoReceived,   // stage 4: the rights are back under the message's names
};

// `came_back`: the header's remote disposition is no longer the one sent, so
// the message was pseudo-received.
constexpr SendFailure ClassifySendFailure(uint32_t kr, bool came_back) {
  if (came_back)
    return SendFailure::kPseudoReceived;
  switch (kr & ~kResourceBits) {
    case kMsgTooSmall:
    case kTooLarge:
    case kNoBuffer:
    case kInvalidData:
    case kInvalidType:
    case kInvalidHeader:
    case kInvalidDest:
    case kInvalidReply:
    case kInvalidVoucher:
    case kInvalidContext:
      return SendFailure::kNothingConsumed;
    case kNoGrantDest:
    case kMsgFiltered:
      return SendFailure::kHeaderDestroyed;
    case kTimedOut:
    case kInterrupted:
      return SendFailure::kPseudoReceived;
    default:
      // MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_MEMORY, MACH_MSG_VM_KERNEL
      // alone, MACH_SEND_INVALID_OPTIONS (stage 2 or 4), and any code this
      // list does not know.
      return SendFailure::kPartlyDestroyed;
  }
}

// Whether the same message may go through later: the destination's queue was
// full, kernel memory was short, or the wait was interrupted. Every other
// failure is final (a dead destination, a malformed message, a right the
// sender does not hold).
constexpr bool IsTransient(uint32_t kr) {
  switch (kr & ~kResourceBits) {
    case kTimedOut:
    case kNoBuffer:
    case kInterrupted:
      return true;
    case 0:
      return (kr & kResourceBits) != 0;  // a resource shortage alone
    default:
      return false;
  }
}

}  // namespace rendezvous::mac::sending

#if defined(__APPLE__)
#include <mach/message.h>

namespace rendezvous::mac::sending {

static_assert(kResourceBits == MACH_MSG_MASK);
static_assert(kVmKernel == MACH_MSG_VM_KERNEL);
static_assert(kInvalidData == MACH_SEND_INVALID_DATA);
static_assert(kInvalidDest == MACH_SEND_INVALID_DEST);
static_assert(kTimedOut == MACH_SEND_TIMED_OUT);
static_assert(kInvalidVoucher == MACH_SEND_INVALID_VOUCHER);
static_assert(kInterrupted == MACH_SEND_INTERRUPTED);
static_assert(kMsgTooSmall == MACH_SEND_MSG_TOO_SMALL);
static_assert(kInvalidReply == MACH_SEND_INVALID_REPLY);
static_assert(kInvalidRight == MACH_SEND_INVALID_RIGHT);
static_assert(kInvalidMemory == MACH_SEND_INVALID_MEMORY);
static_assert(kNoBuffer == MACH_SEND_NO_BUFFER);
static_assert(kTooLarge == MACH_SEND_TOO_LARGE);
static_assert(kInvalidType == MACH_SEND_INVALID_TYPE);
static_assert(kInvalidHeader == MACH_SEND_INVALID_HEADER);
static_assert(kInvalidContext == MACH_SEND_INVALID_CONTEXT);
static_assert(kNoGrantDest == MACH_SEND_NO_GRANT_DEST);
static_assert(kMsgFiltered == MACH_SEND_MSG_FILTERED);

// Whether a failed send's message came back pseudo-received: its header
// no longer names the remote disposition it was sent with. Tells nothing
// for a MOVE_SEND or MOVE_SEND_ONCE destination, whose received kinds have
// the same values.
inline bool CameBack(const mach_msg_header_t& header,
                     mach_msg_type_name_t sent_remote) {
  return MACH_MSGH_BITS_REMOTE(header.msgh_bits) != sent_remote;
}

}  // namespace rendezvous::mac::sending
#endif  // __APPLE__

#endif  // ADDON_MAC_SEND_FAILURE_H_
