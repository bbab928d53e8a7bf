// The child's side of the rendezvous: look the server up, send one request
// with a send-once reply right, receive one reply.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/seam/client.h"
#include "core/wire_format.h"
#include "mac/bootstrap.h"
#include "mac/fileport.h"
#include "mac/mach_error.h"
#include "mac/mach_right.h"
#include "mac/messages.h"
#include "mac/received_message.h"
#include "mac/scoped_mach_port.h"
#include "posix/scoped_fd.h"
#include "posix/system_error.h"

namespace rendezvous {

namespace {

// A right as the reply carried it, owned until it is handed to the caller.
// A descriptor travels as a fileport: a send right until it is opened.
struct CarriedRight {
  uint32_t key = 0;
  RightKind kind = RightKind::kFd;
  OwnedHandle port;
};

// Hands every right in `carried` to `rights`, each fileport replaced with a
// descriptor of its own. On failure every right, opened or not, is released
// by its owner and `rights` is left empty.
bool OpenFileports(std::vector<CarriedRight> carried,
                   std::vector<ReceivedRight>* rights,
                   Error* error) {
  for (CarriedRight& right : carried) {
    if (right.kind != RightKind::kFd) {
      rights->push_back(ReceivedRight{right.key, std::move(right.port)});
      continue;
    }
    ScopedFd fd(fileport_makefd(static_cast<mach_port_t>(right.port.get())));
    if (!fd || ::fcntl(fd.get(), F_SETFD, FD_CLOEXEC) < 0) {
      *error = SystemError("fileport_makefd", errno,
                           "A received fileport could not be opened",
                           codes::kBadReply);
      rights->clear();
      return false;
    }
    right.port.reset();  // the descriptor holds the file now
    rights->push_back(
        ReceivedRight{right.key, OwnedHandle(fd.release(), RightKind::kFd)});
  }
  return true;
}

// Checks a received reply and takes its rights, once every check has passed.
// On failure says why, takes nothing and leaves the message for the caller
// to destroy.
bool ParseReply(mach_msg_header_t* header,
                size_t buffer_size,
                int64_t expected_server_pid,
                std::vector<CarriedRight>* rights,
                Error* error) {
  auto bad = [error](const std::string& why) {
    *error =
        Error::Make(codes::kBadReply, "Malformed rendezvous reply: " + why);
    return false;
  };
  size_t size = header->msgh_size;
  if (size < sizeof(mach_msg_header_t) || size > mac::kMaxReplySize ||
      size % 4 != 0) {
    return bad("size " + std::to_string(size));
  }
  auto* base = reinterpret_cast<uint8_t*>(header);
  auto* trailer = reinterpret_cast<mach_msg_audit_trailer_t*>(base + size);
  if (size + sizeof(mach_msg_audit_trailer_t) > buffer_size ||
      trailer->msgh_trailer_size < sizeof(mach_msg_audit_trailer_t)) {
    return bad("no audit trailer");
  }
  pid_t sender = mac::AuditTokenPid(trailer->msgh_audit);
  bool complex = header->msgh_bits & MACH_MSGH_BITS_COMPLEX;
  if (mac::rules::IsUnansweredNotice(
          header->msgh_id, static_cast<uint32_t>(size), complex, sender)) {
    *error = Error::Make(codes::kNoReply,
                         "The rendezvous server dropped this process's "
                         "request unanswered (it stopped, or could not "
                         "answer)");
    return false;
  }
  if (sender != expected_server_pid) {
    *error = Error::Make(codes::kNotParent,
                         "The rendezvous reply came from process " +
                             std::to_string(sender) +
                             ", not this process's "
                             "parent " +
                             std::to_string(expected_server_pid));
    return false;
  }
  if (header->msgh_id != mac::kReplyId)
    return bad("unexpected message id");
  if (!complex)
    return bad("not a complex message");
  if (size < mac::ReplyBytesOffset(0))
    return bad("size " + std::to_string(size));
  auto* body = reinterpret_cast<mach_msg_body_t*>(header + 1);
  size_t count = body->msgh_descriptor_count;
  if (count > kMaxRightsPerRegistration ||
      size < mac::ReplyBytesOffset(count)) {
    return bad("descriptor count " + std::to_string(count));
  }
  auto* descriptors = reinterpret_cast<mach_msg_port_descriptor_t*>(body + 1);
  size_t offset = mac::ReplyBytesOffset(count);
  std::vector<wire::ReplyEntry> entries;
  std::string why;
  if (!wire::DecodeReply(base + offset, size - offset, count, &entries, &why))
    return bad(why);
  for (size_t i = 0; i < count; ++i) {
    // A send or send-once right whose port died arrives as MACH_PORT_DEAD
    // and is handed out as such; it does not spoil the other rights.
    if (const char* problem = mac::rules::DescriptorProblem(
            entries[i].kind, descriptors[i].type, descriptors[i].name,
            descriptors[i].disposition)) {
      return bad("descriptor " + std::to_string(i) + " " + problem);
    }
  }
  for (size_t i = 0; i < count; ++i) {
    RightKind held_as = entries[i].kind == RightKind::kFd
                            ? RightKind::kSendRight  // a fileport
                            : entries[i].kind;
    rights->push_back(CarriedRight{
        entries[i].key, entries[i].kind,
        OwnedHandle(descriptors[i].name, held_as, entries[i].byte_length)});
  }
  return true;
}

// A send that timed out or was interrupted hands the request back
// (pseudo-received): the server reference and the reply right the send made
// are this task's again and are released here. A send refused outright took
// nothing and left the header as it was written.
void ReleaseReturnedRequest(mach_msg_header_t* header) {
  if (MACH_MSGH_BITS_REMOTE(header->msgh_bits) == MACH_MSG_TYPE_COPY_SEND)
    return;
  // mach_msg_destroy() releases the remote right only.
  mach_msg_destroy(header);
  if (MACH_MSGH_BITS_LOCAL(header->msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE &&
      MACH_PORT_VALID(header->msgh_local_port)) {
    (void)mach_port_deallocate(mach_task_self(), header->msgh_local_port);
  }
}

// Looks the server up by its bootstrap name, `config.endpoint`.
bool LookUpServer(const ClientConfig& config,
                  ScopedMachSendRight* server,
                  Error* error) {
  if (config.endpoint.empty() ||
      config.endpoint.size() >= kBootstrapNameCapacity) {
    *error = Error::Make(codes::kBadEndpoint,
                         "'" + config.endpoint +
                             "' is not a rendezvous endpoint on this platform");
    return false;
  }
  kern_return_t kr = bootstrap_look_up(bootstrap_port, config.endpoint.c_str(),
                                       server->receive());
  if (kr != KERN_SUCCESS) {
    *error = MachError(
        "bootstrap_look_up", kr, "No rendezvous server at " + config.endpoint,
        kr == kBootstrapUnknownService ? codes::kNoServer : codes::kSystem);
    return false;
  }
  return true;
}

// Sends the request, with a send-once right to `reply_port` for the answer.
bool SendRequest(mach_port_t server,
                 mach_port_t reply_port,
                 mach_msg_timeout_t timeout,
                 Error* error) {
  mac::RequestMessage request;
  std::memset(&request, 0, sizeof(request));
  request.header.msgh_bits =
      MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  request.header.msgh_size = sizeof(request);
  request.header.msgh_remote_port = server;
  request.header.msgh_local_port = reply_port;
  request.header.msgh_id = mac::kRequestId;
  std::vector<uint8_t> body = wire::EncodeRequest();
  std::memcpy(request.body, body.data(), sizeof(request.body));
  kern_return_t kr =
      mach_msg(&request.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT,
               sizeof(request), 0, MACH_PORT_NULL, timeout, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) {
    ReleaseReturnedRequest(&request.header);
    *error =
        MachError("mach_msg", kr, "Rendezvous request failed",
                  kr == MACH_SEND_TIMED_OUT ? codes::kTimeout : codes::kSystem);
    return false;
  }
  return true;
}

// Receives one message on `reply_port`, with its audit trailer, into
// `buffer`. On failure nothing the message carried is left to this task.
bool ReceiveReply(mach_port_t reply_port,
                  mach_msg_timeout_t timeout,
                  std::vector<uint64_t>* buffer,
                  Error* error) {
  auto* header = reinterpret_cast<mach_msg_header_t*>(buffer->data());
  kern_return_t kr = mach_msg(
      header,
      MACH_RCV_MSG | MACH_RCV_TIMEOUT |
          MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
          MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
      0, static_cast<mach_msg_size_t>(buffer->size() * sizeof(uint64_t)),
      reply_port, timeout, MACH_PORT_NULL);
  if (kr == KERN_SUCCESS)
    return true;
  // Dequeued all the same, minus what the kernel could not place: what
  // did arrive is this task's.
  if ((kr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR)
    mac::DestroyMessageContents(header);
  const char* code = kr == MACH_RCV_TIMED_OUT   ? codes::kTimeout
                     : kr == MACH_RCV_TOO_LARGE ? codes::kBadReply
                                                : codes::kSystem;
  *error = MachError("mach_msg", kr, "No rendezvous reply", code);
  return false;
}

}  // namespace

bool PerformRendezvous(const ClientConfig& config,
                       std::vector<ReceivedRight>* rights,
                       Error* error) {
  rights->clear();
  ScopedMachSendRight server;
  if (!LookUpServer(config, &server, error))
    return false;
  ScopedMachReceiveRight reply_port;
  kern_return_t kr = mach_port_allocate(
      mach_task_self(), MACH_PORT_RIGHT_RECEIVE, reply_port.receive());
  if (kr != KERN_SUCCESS) {
    *error = MachError("mach_port_allocate", kr, "Rendezvous failed");
    return false;
  }
  auto timeout = static_cast<mach_msg_timeout_t>(config.timeout.count());
  if (!SendRequest(server.get(), reply_port.get(), timeout, error))
    return false;
  std::vector<uint64_t> buffer(mac::kReplyBufferSize / sizeof(uint64_t) + 1);
  if (!ReceiveReply(reply_port.get(), timeout, &buffer, error))
    return false;
  auto* header = reinterpret_cast<mach_msg_header_t*>(buffer.data());
  std::vector<CarriedRight> carried;
  if (!ParseReply(header, buffer.size() * sizeof(uint64_t),
                  config.expected_server_pid, &carried, error)) {
    // Releases every right and region the reply carried.
    mac::DestroyMessageContents(header);
    config.log("refused a reply: %s", error->message.c_str());
    return false;
  }
  if (!OpenFileports(std::move(carried), rights, error))
    return false;
  config.log("received %zu rights", rights->size());
  return true;
}

}  // namespace rendezvous
