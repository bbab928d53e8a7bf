// The Mach messages of the rendezvous. Their inline bytes are the core's
// wire format (core/wire_format.h); Mach adds the reply port, the sender's
// audit token and the rights themselves as port descriptors.
//
//   request: header (COPY_SEND server, MAKE_SEND_ONCE reply) | request bytes
//   reply:   header (MOVE_SEND_ONCE, COMPLEX) | body | N port descriptors |
//            reply bytes (whose keys are in descriptor order)
#ifndef ADDON_MAC_MESSAGES_H_
#define ADDON_MAC_MESSAGES_H_

#include <mach/mach.h>

#include <cstddef>
#include <cstdint>

#include "core/limits.h"
#include "core/wire_format.h"

namespace rendezvous::mac {

// "EPRq" / "EPRr": distinct from any message Chromium's own server handles.
inline constexpr mach_msg_id_t kRequestId = 0x45505271;
inline constexpr mach_msg_id_t kReplyId = 0x45505272;

struct RequestMessage {
  mach_msg_header_t header;
  uint8_t body[wire::kRequestSize];
};

// What the server receives into: a request plus room for the audit trailer.
// Larger messages are refused by the kernel (MACH_RCV_TOO_LARGE) and
// destroyed.
struct ReceivedRequest {
  RequestMessage message;
  mach_msg_audit_trailer_t trailer;
};

inline constexpr size_t ReplyBytesOffset(size_t descriptor_count) {
  return sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t) +
         descriptor_count * sizeof(mach_msg_port_descriptor_t);
}

// The largest reply a client accepts, plus its trailer.
inline constexpr size_t kMaxReplySize =
    ReplyBytesOffset(kMaxRightsPerRegistration) +
    wire::ReplySize(kMaxRightsPerRegistration);
inline constexpr size_t kReplyBufferSize =
    kMaxReplySize + sizeof(mach_msg_audit_trailer_t) + 8;

// The pid in an audit token. libbsm's audit_token_to_pid() reads the same
// field; its header is not in every SDK the addon is built with.
inline pid_t AuditTokenPid(const audit_token_t& token) {
  return static_cast<pid_t>(token.val[5]);
}
// The pid version beside it (libbsm's audit_token_to_pidversion()), which the
// kernel changes at every exec.
inline int32_t AuditTokenPidVersion(const audit_token_t& token) {
  return static_cast<int32_t>(token.val[7]);
}

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_MESSAGES_H_
