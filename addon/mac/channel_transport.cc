// Channels on macOS: see mac/channel_transport.h for the transport and
// mac/channel_messages.h for the messages it exchanges. Receiving,
// sending and recovering from a failed send are in the files named so.
#include "mac/channel_transport.h"

#include <fcntl.h>
#include <sys/event.h>
#include <time.h>

#include <cerrno>
#include <climits>
#include <string>
#include <utility>

#include "core/out_of_line_settings.h"
#include "mac/channel_messages.h"
#include "mac/channel_recovery.h"
#include "mac/channel_sending.h"
#include "mac/mach_error.h"
#include "mac/message_body.h"
#include "mac/pooled_body.h"
#include "mac/received_message.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

// The kqueue's user event that stands for messages read ahead.
constexpr uintptr_t kReadAheadEvent = 1;

}  // namespace

Error MachChannelTransport::GivenAway() {
  return Error::Make(codes::kClosed, "The channel end was given away");
}

std::unique_ptr<MachChannelTransport> MachChannelTransport::Adopt(
    ScopedMachReceiveRight inbox,
    Error* error) {
  if (!mac::SetQueueLimit(inbox.get(), mac::kQueueLimit, error))
    return nullptr;
  // Have the kernel tell the inbox itself when the last send right to it
  // is gone: the peer's end holds the only one (or its hello does). The
  // request stays with the port when the receive right moves, so an earlier
  // owner's request still stands. Made with sync 0, it fires at once if
  // there are no senders left already.
  mach_port_status_t status{};
  mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
  kern_return_t kr = mach_port_get_attributes(
      mach_task_self(), inbox.get(), MACH_PORT_RECEIVE_STATUS,
      reinterpret_cast<mach_port_info_t>(&status), &count);
  if (kr != KERN_SUCCESS || !status.mps_nsrequest) {
    ScopedMachSendOnceRight previous;
    kr = mach_port_request_notification(
        mach_task_self(), inbox.get(), MACH_NOTIFY_NO_SENDERS, 0, inbox.get(),
        MACH_MSG_TYPE_MAKE_SEND_ONCE, previous.receive());
    if (kr != KERN_SUCCESS) {
      *error = MachError("mach_port_request_notification", kr,
                         "Could not watch a channel's peer");
      return nullptr;
    }
  }
  // The knote only signals that a message waits (no MACH_RCV_MSG in its
  // fflags, so processing it never dequeues anything); libuv polls the
  // kqueue descriptor itself, which is readable while the knote is active.
  ScopedFd kq(::kqueue());
  if (!kq || ::fcntl(kq.get(), F_SETFD, FD_CLOEXEC) < 0) {
    *error = SystemError("kqueue", errno, "Could not watch a channel");
    return nullptr;
  }
  struct kevent change;
  EV_SET(&change, inbox.get(), EVFILT_MACHPORT, EV_ADD | EV_ENABLE, 0, 0,
         nullptr);
  if (::kevent(kq.get(), &change, 1, nullptr, 0, nullptr) != 0) {
    *error = SystemError("kevent", errno, "Could not watch a channel");
    return nullptr;
  }
  return std::unique_ptr<MachChannelTransport>(
      new MachChannelTransport(std::move(inbox), std::move(kq)));
}

MachChannelTransport::MachChannelTransport(ScopedMachReceiveRight inbox,
                                           ScopedFd kqueue)
    : inbox_(std::move(inbox)),
      kqueue_(std::move(kqueue)),
      buffer_(mac::kReceiveBufferSize),
      out_of_line_(OutOfLineThreshold()) {}

MachChannelTransport::~MachChannelTransport() {
  kqueue_.reset();  // before the inbox its knote watches
  read_ahead_.clear();
  buffer_.Reset();
  // Destroys every message still queued, and with them any rights they
  // carry (a hello's send right to the peer among them).
  inbox_.reset();
  // The peer's inbox loses its last sender: its end sees kPeerClosed.
  peer_.reset();
}

size_t MachChannelTransport::max_frame_size() const {
  return mac::kMaxFrameSize;
}

bool MachChannelTransport::CreateOutOfLineBody(const uint8_t* data,
                                               uint64_t size,
                                               OwnedHandle* body,
                                               Error* error) {
  return mac::CreateMemoryEntryBody(data, size, body, error);
}

bool MachChannelTransport::CreatePooledBody(uint64_t capacity,
                                            std::unique_ptr<PooledBody>* body,
                                            Error* error) {
  return mac::CreatePooledMemoryEntryBody(capacity, body, error);
}

void MachChannelTransport::DrainPollQueue() {
  if (!kqueue_)
    return;
  // Processing the knote only peeks at the inbox: with nothing queued it is
  // dropped from the kqueue's active list, which clears the descriptor's
  // readability; a message that came meanwhile keeps it active. Nothing is
  // missed either way.
  struct kevent events[2];
  const timespec zero{0, 0};
  ::kevent(kqueue_.get(), nullptr, 0, events, 2, &zero);
}

void MachChannelTransport::UpdateReadAheadSignal() {
  const bool wanted = !read_ahead_.empty();
  if (!kqueue_ || wanted == read_ahead_signalled_)
    return;
  // Messages read ahead are no longer in the inbox, so its knote does not
  // stand for them. A user event, triggered without EV_CLEAR, stays active
  // (and the kqueue readable) until it is deleted.
  struct kevent changes[2];
  int count = 1;
  if (wanted) {
    EV_SET(&changes[0], kReadAheadEvent, EVFILT_USER, EV_ADD | EV_ENABLE, 0, 0,
           nullptr);
    EV_SET(&changes[1], kReadAheadEvent, EVFILT_USER, 0, NOTE_TRIGGER, 0,
           nullptr);
    count = 2;
  } else {
    EV_SET(&changes[0], kReadAheadEvent, EVFILT_USER, EV_DELETE, 0, 0, nullptr);
  }
  if (::kevent(kqueue_.get(), changes, count, nullptr, 0, nullptr) == 0)
    read_ahead_signalled_ = wanted;
}

OwnedHandle MachChannelTransport::ReleaseEndpoint() {
  if (!inbox_)
    return OwnedHandle();
  // The knote has to go before the right leaves this process.
  kqueue_.reset();
  read_ahead_signalled_ = false;
  HandOver();
  return OwnedHandle(inbox_.release(), RightKind::kChannel);
}

bool CreateChannelPair(OwnedHandle* first, OwnedHandle* second, Error* error) {
  ScopedMachReceiveRight ends[2];
  for (ScopedMachReceiveRight& end : ends) {
    kern_return_t kr = mach_port_allocate(
        mach_task_self(), MACH_PORT_RIGHT_RECEIVE, end.receive());
    if (kr != KERN_SUCCESS) {
      *error =
          MachError("mach_port_allocate", kr, "Could not create a channel");
      return false;
    }
    // Now, not at adoption: one end may send before the other is adopted.
    if (!mac::SetQueueLimit(end.get(), mac::kQueueLimit, error))
      return false;
  }
  // Each inbox gets its peer's address: a send right made from the other
  // end's receive right, the only one ever made.
  for (int i = 0; i < 2; ++i) {
    mac::HelloMessage hello;
    kern_return_t kr = mac::SendHello(ends[i].get(), ends[1 - i].get(),
                                      MACH_MSG_TYPE_MAKE_SEND, &hello);
    if (kr != KERN_SUCCESS) {
      if (mac::ClassifyChannelSend(kr, hello.header,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE) ==
          mac::sending::SendFailure::kPseudoReceived) {
        mac::DestroyMessageContents(&hello.header);
      }
      *error = MachError("mach_msg", kr, "Could not create a channel");
      return false;  // destroying the inboxes destroys a queued hello too
    }
  }
  *first = OwnedHandle(ends[0].release(), RightKind::kChannel);
  *second = OwnedHandle(ends[1].release(), RightKind::kChannel);
  return true;
}

std::unique_ptr<ChannelTransport> AdoptChannelEnd(OwnedHandle handle,
                                                  Error* error) {
  if (handle.get() <= 0 || handle.get() > UINT_MAX ||
      !MACH_PORT_VALID(static_cast<mach_port_t>(handle.get()))) {
    *error = Error::Make(codes::kInvalidRight,
                         "Not a port name: " + std::to_string(handle.get()));
    return nullptr;
  }
  auto name = static_cast<mach_port_t>(handle.get());
  mach_port_type_t type = 0;
  kern_return_t kr = mach_port_type(mach_task_self(), name, &type);
  if (kr != KERN_SUCCESS || !(type & MACH_PORT_TYPE_RECEIVE)) {
    // Not a receive right, so nothing of the kind it was given as is ours
    // to release.
    (void)handle.release();
    *error = Error::Make(codes::kInvalidRight,
                         "The handle is not a channel end (a receive right)");
    return nullptr;
  }
  (void)handle.release();  // `name`'s owner from here
  return MachChannelTransport::Adopt(ScopedMachReceiveRight(name), error);
}

}  // namespace rendezvous
