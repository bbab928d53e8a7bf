#include "mac/server.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

#include "core/endpoint_name.h"
#include "core/wire_format.h"
#include "mac/bootstrap.h"
#include "mac/mach_error.h"
#include "mac/mach_right.h"
#include "mac/proc_exit_watch.h"
#include "mac/process_identity.h"
#include "mac/send_failure.h"

namespace rendezvous {

namespace {

constexpr mach_msg_option_t kReceiveOptions =
    MACH_RCV_MSG | MACH_RCV_TIMEOUT |
    MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
    MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);

}  // namespace

std::unique_ptr<ServerTransport> StartServer(RegistrationTable* table,
                                             const ServerConfig& config,
                                             Error* error) {
  return MacServer::Start(table, config, error);
}

MacServer::MacServer(RegistrationTable* table, const ServerConfig& config)
    : table_(table),
      config_(config),
      policy_(table, config.limits, config.log, this) {}

std::unique_ptr<MacServer> MacServer::Start(RegistrationTable* table,
                                            const ServerConfig& config,
                                            Error* error) {
  std::unique_ptr<MacServer> server(new MacServer(table, config));
  if (!server->CheckIn(error))
    return nullptr;
  MacServer* raw = server.get();
  server->queue_.reset(
      dispatch_queue_create("electron-port-rendezvous.server", nullptr));
  server->receive_source_ = DispatchSource<ServerRef>(
      DISPATCH_SOURCE_TYPE_MACH_RECV, server->port_.get(), 0,
      server->queue_.get(), new ServerRef{raw},
      [](void* ref) { static_cast<ServerRef*>(ref)->server->ReceiveAll(); },
      [](void* ref) {
        ScopedMachReceiveRight(static_cast<ServerRef*>(ref)->receive_right)
            .reset();
      });
  server->timer_ = DispatchSource<ServerRef>(
      DISPATCH_SOURCE_TYPE_TIMER, 0, 0, server->queue_.get(),
      new ServerRef{raw},
      [](void* ref) { static_cast<ServerRef*>(ref)->server->ResolveHeld(); });
  if (!server->receive_source_.is_valid() || !server->timer_.is_valid()) {
    *error = Error::Make(codes::kSystem, "Could not create dispatch sources");
    return nullptr;
  }
  dispatch_source_set_timer(server->timer_.get(), DISPATCH_TIME_FOREVER, 0, 0);
  table->SetOnChange([raw] {
    dispatch_async_f(raw->queue_.get(), raw, [](void* self) {
      static_cast<MacServer*>(self)->ResolveHeld();
    });
  });
  server->receive_source_.Resume();
  server->timer_.Resume();
  config.log("server listening at %s", server->endpoint_.c_str());
  return server;
}

bool MacServer::CheckIn(Error* error) {
  // Never Chromium's own "<bundle id>.MachPortRendezvousServer.<pid>": the
  // browser process holds that name, and losing it crashes it.
  EndpointNonce nonce;
  arc4random_buf(nonce.data(), nonce.size());
  endpoint_ = ServerEndpointName(config_.name_prefix + ".PortRendezvous",
                                 ::getpid(), nonce);
  if (endpoint_.size() >= kBootstrapNameCapacity) {
    *error = Error::Range(codes::kInvalidArgument,
                          "The bootstrap name prefix is too long");
    return false;
  }
  kern_return_t kr =
      bootstrap_check_in(bootstrap_port, endpoint_.c_str(), port_.receive());
  if (kr != KERN_SUCCESS) {
    *error = MachError("bootstrap_check_in", kr, "Could not start the server");
    return false;
  }
  return true;
}

MacServer::~MacServer() {
  if (!queue_)
    return;  // never started: the receive right (if any) goes with port_
  table_->SetOnChange(nullptr);
  // On the queue, so no handler of these sources runs meanwhile; once
  // cancelled, none starts again.
  dispatch_sync_f(queue_.get(), this, [](void* self) {
    static_cast<MacServer*>(self)->TearDownOnQueue();
  });
  table_->Clear();
  // Exit handlers already queued finish before this returns.
  dispatch_sync_f(queue_.get(), nullptr, [](void*) {});
  config_.log("server stopped");
}

void MacServer::TearDownOnQueue() {
  // The receive right may only be destroyed once its source is cancelled:
  // the cancel handler does it.
  if (receive_source_.is_valid())
    receive_source_.context()->receive_right = port_.release();
  receive_source_ = DispatchSource<ServerRef>();
  timer_ = DispatchSource<ServerRef>();
  // Rights kept for a reply go back to the table, which releases them next,
  // while the queue their exit watches use is still drained.
  for (const auto& entry : requests_)
    policy_.Forget(entry.first);
  requests_.clear();  // destroys the reply rights
}

std::unique_ptr<ExitWatch> MacServer::WatchExit(int32_t pid, Error* error) {
  return MakeProcExitWatch(queue_.get(), table_, pid, config_.log, error);
}

void MacServer::ReceiveAll() {
  for (;;) {
    mac::ReceivedRequest request;
    std::memset(&request, 0, sizeof(request));
    kern_return_t kr =
        mach_msg(&request.message.header, kReceiveOptions, 0, sizeof(request),
                 port_.get(), 0, MACH_PORT_NULL);
    if (kr == MACH_RCV_TIMED_OUT)
      break;
    if (kr == MACH_RCV_TOO_LARGE) {
      // Without MACH_RCV_LARGE the kernel has already destroyed it.
      config_.log("dropped an oversized request");
      continue;
    }
    if (kr != KERN_SUCCESS) {
      config_.log("mach_msg receive failed (%d)", kr);
      break;
    }
    OnRequest(request);
  }
  ArmTimer();
}

void MacServer::OnRequest(mac::ReceivedRequest& request) {
  mach_msg_header_t& header = request.message.header;
  bool well_formed =
      header.msgh_id == mac::kRequestId &&
      header.msgh_size == sizeof(mac::RequestMessage) &&
      !(header.msgh_bits & MACH_MSGH_BITS_COMPLEX) &&
      MACH_MSGH_BITS_REMOTE(header.msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE &&
      MACH_PORT_VALID(header.msgh_remote_port) &&
      request.trailer.msgh_trailer_size >= sizeof(mach_msg_audit_trailer_t) &&
      wire::DecodeRequest(request.message.body, sizeof(request.message.body));
  if (!well_formed) {
    config_.log("dropped a malformed request");
    mach_msg_destroy(&header);
    return;
  }
  Asker asker{mac::AuditTokenPid(request.trailer.msgh_audit),
              mac::AuditTokenPidVersion(request.trailer.msgh_audit)};
  ScopedMachSendOnceRight reply(header.msgh_remote_port);
  config_.log("request from pid %d", asker.pid);
  // A request from the same pid but another process frees its slot first.
  DropSuperseded(asker);
  uint64_t id = next_request_id_++;
  requests_.emplace(id, Request{std::move(reply), asker});
  policy_.OnRequest(id, asker.pid, Clock::now(), [&] {
    return mac::IsChildOf(OwnUniqueId(), mac::ReadProcessSnapshot(asker.pid),
                          asker.pid_version);
  });
}

std::optional<uint64_t> MacServer::OwnUniqueId() {
  if (!own_unique_id_) {
    std::optional<mac::ProcessSnapshot> own =
        mac::ReadProcessSnapshot(::getpid());
    if (own)
      own_unique_id_ = own->unique_id;
  }
  return own_unique_id_;
}

void MacServer::DropSuperseded(const Asker& asker) {
  // Two live processes never share a pid: a held request from the same pid
  // but another pid version came from a process that is gone (or has exec'd
  // since). Left held, it could claim the rights of the process that now has
  // the pid, and they would die with its dead reply port.
  for (auto it = requests_.begin(); it != requests_.end();) {
    const Asker& earlier = it->second.asker;
    if (earlier.pid == asker.pid && earlier.pid_version != asker.pid_version) {
      config_.log(
          "pid %d asked again as a new process; the earlier request "
          "is dropped",
          asker.pid);
      policy_.Forget(it->first);
      it = requests_.erase(it);  // destroys its reply right
    } else {
      ++it;
    }
  }
}

bool MacServer::IsBoundProcess(uint64_t id, const ClaimedRights& claimed) {
  auto it = requests_.find(id);
  if (it == requests_.end())
    return false;
  const Asker& asker = it->second.asker;
  return !claimed.exit_watch ||
         mac::IsBoundProcess(BoundUniqueId(*claimed.exit_watch),
                             mac::ReadProcessSnapshot(asker.pid),
                             asker.pid_version);
}

namespace {

bool Moves(mach_msg_type_name_t disposition) {
  return disposition == MACH_MSG_TYPE_MOVE_SEND ||
         disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
         disposition == MACH_MSG_TYPE_MOVE_RECEIVE;
}

using KeyedRights = std::vector<std::pair<uint32_t, MachRight*>>;

// Rights that are copied or made come before those moved: a receive right
// moved first could not make a send right for a later descriptor.
KeyedRights InSendingOrder(ClaimedRights& claimed) {
  KeyedRights ordered;
  for (bool moves : {false, true}) {
    for (auto& [key, right] : claimed.rights) {
      auto* mach_right = static_cast<MachRight*>(right.get());
      if (Moves(mach_right->disposition()) == moves)
        ordered.emplace_back(key, mach_right);
    }
  }
  return ordered;
}

// The reply to send through `reply`: header, one port descriptor a right,
// then the encoded entries. Its header is at the start of the storage,
// which is uint64_t so the header and descriptors are aligned.
std::vector<uint64_t> BuildReplyMessage(mach_port_t reply,
                                        const KeyedRights& ordered) {
  std::vector<wire::ReplyEntry> entries;
  for (const auto& [key, right] : ordered)
    entries.push_back(
        wire::ReplyEntry{key, right->kind(), right->byte_length()});
  std::vector<uint8_t> bytes = wire::EncodeReply(entries);
  size_t count = ordered.size();
  size_t offset = mac::ReplyBytesOffset(count);
  size_t size = offset + bytes.size();
  std::vector<uint64_t> storage((size + sizeof(uint64_t) - 1) /
                                sizeof(uint64_t));
  auto* base = reinterpret_cast<uint8_t*>(storage.data());
  auto* header = reinterpret_cast<mach_msg_header_t*>(base);
  header->msgh_bits =
      MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX;
  header->msgh_size = static_cast<mach_msg_size_t>(size);
  header->msgh_remote_port = reply;
  header->msgh_local_port = MACH_PORT_NULL;
  header->msgh_id = mac::kReplyId;
  auto* body = reinterpret_cast<mach_msg_body_t*>(header + 1);
  body->msgh_descriptor_count = static_cast<mach_msg_size_t>(count);
  auto* descriptors = reinterpret_cast<mach_msg_port_descriptor_t*>(body + 1);
  for (size_t i = 0; i < count; ++i) {
    descriptors[i].name = ordered[i].second->name();
    descriptors[i].disposition = ordered[i].second->disposition();
    descriptors[i].type = MACH_MSG_PORT_DESCRIPTOR;
  }
  std::memcpy(base + offset, bytes.data(), bytes.size());
  return storage;
}

void MarkSent(const KeyedRights& rights) {
  for (const auto& entry : rights)
    entry.second->MarkSent();
}

// What became of the reply `header` and its rights when mach_msg() refused
// it with `kr`, each right's owner told what is no longer theirs.
SendOutcome OutcomeOfFailedSend(kern_return_t kr,
                                mach_msg_header_t* header,
                                ScopedMachSendOnceRight& reply,
                                const KeyedRights& ordered) {
  // A send-once destination comes back under the same disposition value, so
  // only the code tells a pseudo-receive.
  switch (mac::sending::ClassifySendFailure(kr, /*came_back=*/false)) {
    case mac::sending::SendFailure::kNothingConsumed:
      // The reply right and every right in `claimed` are still ours, under
      // the same names: kept to send again, or put back in the table. An
      // asker that died is not among these failures: the kernel takes a
      // send to a dead send-once right, destroys it, and reports success.
      return SendOutcome{mac::sending::IsTransient(kr)
                             ? SendResult::kRefusedForNow
                             : SendResult::kRefused,
                         kr, mach_error_string(kr)};
    case mac::sending::SendFailure::kHeaderDestroyed:
      // The reply right the header moved is gone, so there is no one to
      // send to again; the rights in `claimed` were not touched and go
      // back in the table.
      (void)reply.release();
      return SendOutcome{SendResult::kRefused, kr, mach_error_string(kr)};
    case mac::sending::SendFailure::kPseudoReceived:
      // The rights came back as if received, possibly under new names (a
      // receive right is given a new one): they are destroyed there, and
      // the owners forget the names they hold. Only the asker can cause
      // this: a send-once destination is exempt from the queue limit, so
      // the zero timeout runs out only when the asker let its own reply
      // port fill to the kernel's limit.
      mach_msg_destroy(header);
      [[fallthrough]];
    case mac::sending::SendFailure::kPartlyDestroyed:
      // Leaking what may remain is safer than releasing a name twice.
      (void)reply.release();
      MarkSent(ordered);
      break;
  }
  return SendOutcome{SendResult::kLost, kr, mach_error_string(kr)};
}

}  // namespace

SendOutcome MacServer::Send(uint64_t id, ClaimedRights& claimed) {
  auto request = requests_.find(id);
  if (request == requests_.end())
    return SendOutcome{SendResult::kRefused, MACH_SEND_INVALID_DEST, ""};
  ScopedMachSendOnceRight& reply = request->second.reply;
  KeyedRights ordered = InSendingOrder(claimed);
  std::vector<uint64_t> message = BuildReplyMessage(reply.get(), ordered);
  auto* header = reinterpret_cast<mach_msg_header_t*>(message.data());
  kern_return_t kr =
      mach_msg(header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, header->msgh_size, 0,
               MACH_PORT_NULL, 0, MACH_PORT_NULL);
  if (kr == KERN_SUCCESS) {
    (void)reply.release();  // consumed by the send
    MarkSent(ordered);
    return SendOutcome{};
  }
  return OutcomeOfFailedSend(kr, header, reply, ordered);
}

void MacServer::Finish(uint64_t id) {
  requests_.erase(id);  // destroys a reply right the send did not consume
}

void MacServer::ResolveHeld() {
  policy_.OnTick(Clock::now());
  ArmTimer();
}

void MacServer::ArmTimer() {
  if (!timer_.is_valid())
    return;
  auto next = policy_.NextDeadline();
  if (!next) {
    dispatch_source_set_timer(timer_.get(), DISPATCH_TIME_FOREVER, 0, 0);
    return;
  }
  auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(
      *next - Clock::now());
  int64_t nanoseconds = wait.count() > 0 ? wait.count() : 0;
  dispatch_source_set_timer(timer_.get(),
                            dispatch_time(DISPATCH_TIME_NOW, nanoseconds),
                            DISPATCH_TIME_FOREVER, NSEC_PER_MSEC);
}

}  // namespace rendezvous
