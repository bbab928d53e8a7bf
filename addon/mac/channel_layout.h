// A channel's messages as bytes (the format is in mac/channel_messages.h):
// writing a hello or a frame as a Mach message, finding and checking the
// parts of a received frame, and readying a received message to be sent
// again. Nothing here sends or receives.
#ifndef ADDON_MAC_CHANNEL_LAYOUT_H_
#define ADDON_MAC_CHANNEL_LAYOUT_H_

#include <mach/mach.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/channel_transport.h"
#include "core/error.h"
#include "mac/channel_messages.h"

namespace rendezvous::mac {

// A message from the peer that is not one of ours.
Error BadMessage(const std::string& why);

// Writes a hello to `inbox` carrying `peer`, made or moved as `disposition`
// says.
void WriteHello(mach_port_t inbox,
                mach_port_t peer,
                mach_msg_type_name_t disposition,
                HelloMessage* hello);

// One port descriptor of a frame, with the record that says what it is.
struct FramePort {
  mach_port_t name = MACH_PORT_NULL;
  mach_msg_type_name_t disposition = 0;
  HandleRecord record{};
};

// Writes a frame carrying `frame`'s bytes and `ports` to `peer` into
// `storage`, zeroed first. Returns its header; the size is in msgh_size.
mach_msg_header_t* WriteFrame(const FrameBuffers& frame,
                              mach_port_t peer,
                              const std::vector<FramePort>& ports,
                              std::vector<uint64_t>* storage);

// Whether a received message holds a right: a body, or a reply right its
// sender attached (messages are received without vouchers).
inline bool CarriesRights(const mach_msg_header_t& header) {
  return (header.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
         MACH_PORT_VALID(header.msgh_remote_port);
}

// The port descriptors of a frame, which come first.
inline mach_msg_port_descriptor_t* FramePorts(mach_msg_header_t* header) {
  return reinterpret_cast<mach_msg_port_descriptor_t*>(
      reinterpret_cast<mach_msg_base_t*>(header) + 1);
}

// A received frame's parts, found and checked against each other.
struct ParsedFrame {
  mach_msg_port_descriptor_t* ports = nullptr;
  size_t port_count = 0;
  mach_msg_ool_descriptor_t* out_of_line[kMaxOutOfLine] = {};
  size_t out_of_line_count = 0;
  FrameInfo info{};
  const uint8_t* records = nullptr;
  const uint8_t* inline_data = nullptr;

  HandleRecord record(size_t i) const {
    HandleRecord record;
    std::memcpy(&record, records + i * sizeof record, sizeof record);
    return record;
  }
};

// Checks a received frame and finds its parts; says why when it is not one.
bool ParseFrame(mach_msg_header_t* header, ParsedFrame* out, std::string* why);

// Writes a frame's bytes, in order, into the caller's head then tail
// buffer; what does not fit is dropped (the caller learns from the size).
class FrameWriter {
 public:
  explicit FrameWriter(const FrameBuffers& frame) : frame_(frame) {}
  void Write(const uint8_t* data, size_t size);

 private:
  const FrameBuffers& frame_;
  size_t head_used_ = 0;
  size_t tail_used_ = 0;
};

// Readies a received message to be sent to `inbox` again (a send-once right
// made for it, its contents and any reply right moved on as they are). One
// whose descriptors are of no kind a message of ours or a port array has
// keeps its header and id without its contents, which are released, so
// whoever reads it next stops there as a reader of the original would
// have.
void ReadyForResend(mach_msg_header_t* header, mach_port_t inbox);

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_CHANNEL_LAYOUT_H_
