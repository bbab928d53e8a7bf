// The platform-neutral view of one OS right held for a child.
//
// A backend subclasses Right for its handle kind (a file descriptor on Linux,
// a Mach port name and disposition on macOS). Destroying a Right releases only
// what the server owns for it: a moved right is destroyed, a copied right's
// extra reference is dropped. Rights are moved, never copied, so exactly one
// owner releases each.
#ifndef ADDON_CORE_RIGHT_H_
#define ADDON_CORE_RIGHT_H_

#include <cstdint>
#include <map>
#include <memory>

namespace rendezvous {

// What a right is to the child that receives it, so JS can hand it out by
// the matching take*(). Travels in the reply beside each key.
enum class RightKind : uint32_t {
  kFd = 0,
  kSendRight = 1,
  kReceiveRight = 2,
  kSendOnceRight = 3,
  // A shared memory region: a sealed memfd on Linux, a memory entry send
  // right on macOS. The child maps it rather than handing out the handle.
  kSharedMemory = 4,
  // One end of a channel: a SOCK_SEQPACKET socket on Linux, a receive right
  // on macOS. The child wraps it as a Channel.
  kChannel = 5,
  // A Windows kernel object handle a native caller names by its value (an
  // event, a section, a file handle not wrapped in a C runtime descriptor).
  // Windows only; the child gets it back as a handle value.
  kHandle = 6,
};
inline constexpr uint32_t kMaxRightKind = 6;

// Each kind by the name JS knows it by (lib/native.ts's RightKind), in
// value order: the addon exports this table, so JS never spells a value.
struct RightKindName {
  RightKind kind;
  const char* name;
};
inline constexpr RightKindName kRightKindNames[] = {
    {RightKind::kFd, "Fd"},
    {RightKind::kSendRight, "SendRight"},
    {RightKind::kReceiveRight, "ReceiveRight"},
    {RightKind::kSendOnceRight, "SendOnceRight"},
    {RightKind::kSharedMemory, "SharedMemory"},
    {RightKind::kChannel, "Channel"},
    {RightKind::kHandle, "Handle"},
};
static_assert(sizeof(kRightKindNames) / sizeof(kRightKindNames[0]) ==
                  kMaxRightKind + 1,
              "every RightKind has a name");

class Right {
 public:
  Right() = default;
  Right(const Right&) = delete;
  Right& operator=(const Right&) = delete;
  virtual ~Right() = default;
  virtual RightKind kind() const = 0;
  // A shared memory region's size as its sender states it (the receiver
  // checks it against the region before mapping); 0 for anything else.
  virtual uint64_t byte_length() const { return 0; }
  // For a launch that never ran: lets go of what the caller handed over (a
  // moved handle) without releasing it, so the caller owns it again; what
  // the server made for itself (a copy) is still released on destruction.
  // A backend that keeps this default releases the right as on any cancel.
  virtual void ReturnToCaller() {}
};

// Rights keyed by the caller's uint32 keys, in key order (the order of the
// reply message).
using RightsByKey = std::map<uint32_t, std::unique_ptr<Right>>;

// What a backend gives the table so it can notice a registered child's exit.
// Destroying it stops the watch.
class ExitWatch {
 public:
  ExitWatch() = default;
  ExitWatch(const ExitWatch&) = delete;
  ExitWatch& operator=(const ExitWatch&) = delete;
  virtual ~ExitWatch() = default;
  // True once the watched process has exited. Used to confirm an exit event
  // really belongs to the registration it names (pids are reused).
  virtual bool HasExited() const = 0;
};

// A claimed registration: the rights to send, and the exit watch it no longer
// needs. The watch is handed out rather than destroyed under the table's lock
// so the server can release it after the reply, off the child's critical path.
struct ClaimedRights {
  RightsByKey rights;
  std::unique_ptr<ExitWatch> exit_watch;
};

}  // namespace rendezvous

#endif  // ADDON_CORE_RIGHT_H_
