// One Mach message taken off a port, owning the port rights and out-of-line
// memory it carries until they are taken out of it.
#ifndef ADDON_MAC_RECEIVED_MESSAGE_H_
#define ADDON_MAC_RECEIVED_MESSAGE_H_

#include <mach/mach.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "mac/mach_vm.h"

namespace rendezvous::mac {

// Releases every right and region a message still carries, whether it was
// received or came back from a failed send (pseudo-received), or was never
// sent at all (its dispositions then being MOVE_*, which share their values
// with the received PORT_* ones).
//
// mach_msg_destroy() unmaps an out-of-line region only if its `deallocate`
// flag is set, and the kernel sets that on receipt for virtual copies only:
// a physically copied region would leak. So every region is unmapped here,
// whatever its flag, and zeroed out of the message before mach_msg_destroy()
// releases the rights.
inline void DestroyMessageContents(mach_msg_header_t* header) {
  if (header->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
    auto* base = reinterpret_cast<mach_msg_base_t*>(header);
    auto* cursor = reinterpret_cast<uint8_t*>(base + 1);
    const uint8_t* end = reinterpret_cast<uint8_t*>(header) + header->msgh_size;
    mach_msg_size_t count = base->body.msgh_descriptor_count;
    for (mach_msg_size_t i = 0;
         i < count && cursor + sizeof(mach_msg_type_descriptor_t) <= end; ++i) {
      auto* descriptor = reinterpret_cast<mach_msg_descriptor_t*>(cursor);
      switch (descriptor->type.type) {
        case MACH_MSG_PORT_DESCRIPTOR:
          cursor += sizeof(mach_msg_port_descriptor_t);
          break;
        case MACH_MSG_OOL_DESCRIPTOR:
        case MACH_MSG_OOL_VOLATILE_DESCRIPTOR: {
          mach_msg_ool_descriptor_t& ool = descriptor->out_of_line;
          if (ool.size != 0 && ool.address != nullptr) {
            mach_vm_deallocate(mach_task_self(),
                               reinterpret_cast<mach_vm_address_t>(ool.address),
                               ool.size);
          }
          ool.address = nullptr;
          ool.size = 0;
          ool.deallocate = false;
          cursor += sizeof(mach_msg_ool_descriptor_t);
          break;
        }
        case MACH_MSG_OOL_PORTS_DESCRIPTOR:
          // Its array was mapped in like any region: have it unmapped. One
          // the kernel could not map (a body error) has no address and
          // nothing to release.
          if (descriptor->ool_ports.address == nullptr)
            descriptor->ool_ports.count = 0;
          else
            descriptor->ool_ports.deallocate = true;
          cursor += sizeof(mach_msg_ool_ports_descriptor_t);
          break;
        case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
          cursor += sizeof(mach_msg_guarded_port_descriptor_t);
          break;
        default:
          i = count;  // unknown layout: leave the rest to mach_msg_destroy
          break;
      }
    }
  }
  mach_msg_destroy(header);
}

class ReceivedMessage {
 public:
  ReceivedMessage() = default;
  explicit ReceivedMessage(size_t capacity)
      : storage_((capacity + sizeof(uint64_t) - 1) / sizeof(uint64_t)) {}
  ReceivedMessage(ReceivedMessage&& other) noexcept
      : storage_(std::move(other.storage_)),
        holds_(std::exchange(other.holds_, false)) {}
  ReceivedMessage& operator=(ReceivedMessage&& other) noexcept {
    Reset();
    storage_ = std::move(other.storage_);
    holds_ = std::exchange(other.holds_, false);
    return *this;
  }
  ReceivedMessage(const ReceivedMessage&) = delete;
  ReceivedMessage& operator=(const ReceivedMessage&) = delete;
  ~ReceivedMessage() { Reset(); }

  // uint64_t storage keeps the header and descriptors aligned.
  mach_msg_header_t* header() {
    return reinterpret_cast<mach_msg_header_t*>(storage_.data());
  }
  mach_msg_size_t capacity() const {
    return static_cast<mach_msg_size_t>(storage_.size() * sizeof(uint64_t));
  }

  // A receive filled the buffer: from now on it owns what the message holds.
  void set_received() { holds_ = true; }
  // Releases whatever the message still holds.
  void Reset() {
    if (holds_)
      DestroyMessageContents(header());
    holds_ = false;
  }
  // Its contents were taken out or sent on: nothing is left to release.
  void Forget() { holds_ = false; }

  // A message of its own size holding this one's contents (this one then
  // holds nothing): for a message kept while the buffer is reused.
  ReceivedMessage TakeCopy() {
    ReceivedMessage copy(header()->msgh_size);
    std::memcpy(copy.storage_.data(), storage_.data(), header()->msgh_size);
    copy.holds_ = std::exchange(holds_, false);
    return copy;
  }

 private:
  std::vector<uint64_t> storage_;
  bool holds_ = false;
};

}  // namespace rendezvous::mac

#endif  // ADDON_MAC_RECEIVED_MESSAGE_H_
