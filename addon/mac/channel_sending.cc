// Sending on a channel: see mac/channel_sending.h.
#include "mac/channel_sending.h"

#include <cerrno>
#include <climits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/owned_handle.h"
#include "mac/channel_layout.h"
#include "mac/channel_recovery.h"
#include "mac/channel_transport.h"
#include "mac/fileport.h"
#include "mac/mach_error.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace mac {

bool SetQueueLimit(mach_port_t port, mach_port_msgcount_t limit, Error* error) {
  mach_port_limits_t limits{};
  limits.mpl_qlimit = limit;
  kern_return_t kr = mach_port_set_attributes(
      mach_task_self(), port, MACH_PORT_LIMITS_INFO,
      reinterpret_cast<mach_port_info_t>(&limits), MACH_PORT_LIMITS_INFO_COUNT);
  if (kr != KERN_SUCCESS) {
    if (error) {
      *error = MachError("mach_port_set_attributes", kr,
                         "Could not set a channel's queue limit");
    }
    return false;
  }
  return true;
}

kern_return_t SendHello(mach_port_t inbox,
                        mach_port_t peer,
                        mach_msg_type_name_t disposition,
                        HelloMessage* hello) {
  WriteHello(inbox, peer, disposition, hello);
  return mach_msg(&hello->header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
                  sizeof *hello, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

}  // namespace mac

namespace {

using mac::Outgoing;

bool CheckFrameLimits(const FrameBuffers& frame,
                      size_t handle_count,
                      Error* error) {
  if (frame.head_size > mac::kMaxFrameSize ||
      frame.tail_size > mac::kMaxFrameSize - frame.head_size) {
    *error = Error::Range(
        codes::kInvalidArgument,
        "A frame of " + std::to_string(frame.head_size + frame.tail_size) +
            " bytes is larger than the " + std::to_string(mac::kMaxFrameSize) +
            " a channel carries");
    return false;
  }
  if (handle_count > mac::kMaxFrameHandles) {
    *error =
        Error::Range(codes::kTooManyRights,
                     "A frame carries at most " +
                         std::to_string(mac::kMaxFrameHandles) + " handles");
    return false;
  }
  return true;
}

// Checks one handle and says how it travels. Every handle is checked before
// anything is sent: a right the kernel refused half-way through the message
// would leave the ones taken before it lost.
bool PrepareHandle(const OwnedHandle& handle,
                   size_t index,
                   mach_port_t inbox,
                   mach_port_t peer,
                   std::set<mach_port_t>* moved,
                   Outgoing* out,
                   Error* error) {
  const int64_t value = handle.get();
  auto refuse = [&](const std::string& why) {
    *error =
        Error::Make(codes::kInvalidRight, "Handle " + std::to_string(index) +
                                              " cannot be sent: " + why);
    return false;
  };
  const RightKind kind = handle.kind();
  if (kind == RightKind::kFd) {
    if (value < 0 || value > INT_MAX)
      return refuse("it is not a descriptor");
    // The fileport holds its own reference to the open file; the caller's
    // descriptor is closed once the message is sent, as if moved.
    if (fileport_makeport(static_cast<int>(value), out->fileport.receive()) <
        0) {
      *error =
          SystemError("fileport_makeport", errno,
                      "Handle " + std::to_string(index) + " cannot be sent",
                      errno == EBADF ? codes::kInvalidRight : codes::kSystem);
      return false;
    }
    out->name = out->fileport.get();
    out->disposition = MACH_MSG_TYPE_MOVE_SEND;
    return true;
  }
  const bool send_once = kind == RightKind::kSendOnceRight;
  const bool receive =
      kind == RightKind::kReceiveRight || kind == RightKind::kChannel;
  out->moves = send_once || receive;
  out->disposition = receive     ? MACH_MSG_TYPE_MOVE_RECEIVE
                     : send_once ? MACH_MSG_TYPE_MOVE_SEND_ONCE
                                 : MACH_MSG_TYPE_COPY_SEND;
  // A right that arrived dead is passed on as such.
  if (value == MACH_PORT_DEAD && !receive) {
    out->name = MACH_PORT_DEAD;
    return true;
  }
  if (value <= 0 || value > UINT_MAX)
    return refuse("it is not a port name");
  auto name = static_cast<mach_port_t>(value);
  mach_port_type_t type = 0;
  if (mach_port_type(mach_task_self(), name, &type) != KERN_SUCCESS)
    return refuse("it is not a right of this process");
  // A send or send-once right whose port died is a dead name now, and is
  // sent as one.
  mach_port_type_t needed =
      receive     ? MACH_PORT_TYPE_RECEIVE
      : send_once ? MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME
                  : MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME;
  if (!(type & needed))
    return refuse("it does not hold the right its kind names");
  if (receive && name == inbox)
    return refuse("it is this channel end's own inbox");
  // The message goes into that very port's queue; the kernel would destroy
  // it, and the peer's end with it.
  if (receive && name == peer)
    return refuse("it is the other end of this channel");
  if (out->moves && !moved->insert(name).second)
    return refuse("it is moved twice");
  out->name = name;
  return true;
}

}  // namespace

IoStatus MachChannelTransport::SendFrame(const FrameBuffers& frame,
                                         std::vector<OwnedHandle>* handles,
                                         Error* error) {
  if (!inbox_) {
    *error = GivenAway();
    return IoStatus::kFailed;
  }
  if (!peer_known_) {
    IoStatus status = FindPeer(error);
    if (status != IoStatus::kDone)
      return status;
  }
  if (peer_gone_ || !peer_)
    return IoStatus::kPeerClosed;
  const size_t count = handles->size();
  if (!CheckFrameLimits(frame, count, error))
    return IoStatus::kFailed;
  std::vector<Outgoing> outgoing(count);
  std::vector<mac::FramePort> ports(count);
  std::set<mach_port_t> moved;
  for (size_t i = 0; i < count; ++i) {
    const OwnedHandle& handle = (*handles)[i];
    if (!PrepareHandle(handle, i, inbox_.get(), peer_.get(), &moved,
                       &outgoing[i], error)) {
      return IoStatus::kFailed;  // the fileports made so far are dropped
    }
    ports[i] =
        mac::FramePort{outgoing[i].name, outgoing[i].disposition,
                       mac::HandleRecord{static_cast<uint32_t>(handle.kind()),
                                         0, handle.byte_length()}};
  }
  mach_msg_header_t* header =
      mac::WriteFrame(frame, peer_.get(), ports, &send_buffer_);
  // Never waits: a full queue is MACH_SEND_TIMED_OUT.
  kern_return_t kr =
      mach_msg(header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, header->msgh_size, 0,
               MACH_PORT_NULL, 0, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS)
    return mac::RecoverFailedFrame(kr, header, &outgoing, handles, error);
  for (size_t i = 0; i < count; ++i) {
    (void)outgoing[i].fileport.release();  // the message's now
    if (outgoing[i].moves)
      (void)(*handles)[i].release();
  }
  // Closes the descriptors that went as fileports, and drops the caller's
  // reference on the send rights the message copied.
  handles->clear();
  return IoStatus::kDone;
}

}  // namespace rendezvous
