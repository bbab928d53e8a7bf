#include "win/server.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "win/exit_watch.h"
#include "win/process_parent.h"
#include "win/reply_frame.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

// The port's own completion keys; pipe instances use their ids, from 16.
constexpr ULONG_PTR kWakeKey = 1;
constexpr ULONG_PTR kExitKey = 2;

// How long a new listening instance waits after the system refused one.
constexpr std::chrono::milliseconds kListenerRetry{100};
// How long shutdown waits for cancelled operations to report.
constexpr DWORD kDrainTimeoutMs = 200;

constexpr DWORD kConnectedAccess =
    SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION;

}  // namespace

std::unique_ptr<ServerTransport> StartServer(RegistrationTable* table,
                                             const ServerConfig& config,
                                             Error* error) {
  return ThreadedServer::Start<WinServer>(table, config, error);
}

WinServer::WinServer(RegistrationTable* table, const ServerConfig& config)
    : ThreadedServer(table, config),
      policy_(table, config.limits, config.log, this) {}

bool WinServer::Listen(Error* error) {
  const char* what = "Could not start the server";
  if (!MakeRandomPipeName(config_.name_prefix, &endpoint_, error))
    return false;
  security_ = std::make_unique<OwnerOnlySecurity>();
  if (!security_->Init(error))
    return false;
  port_ = ScopedHandle(
      ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1));
  if (!port_.is_valid()) {
    *error = LastWindowsError("CreateIoCompletionPort", what);
    return false;
  }
  write_done_ = ScopedHandle(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!write_done_.is_valid()) {
    *error = LastWindowsError("CreateEventW", what);
    return false;
  }
  return NewListener(true, error);
}

// The first instance is created with FILE_FLAG_FIRST_PIPE_INSTANCE: if any
// process holds the name, creation fails and no client of ours can reach it.
bool WinServer::NewListener(bool first, Error* error) {
  const char* what = "Could not start the server";
  auto instance = std::make_unique<Instance>();
  instance->id = next_id_++;
  instance->pipe = ScopedHandle(::CreateNamedPipeW(
      Widen(endpoint_).c_str(),
      PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
          (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
      PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
          PIPE_REJECT_REMOTE_CLIENTS,
      PIPE_UNLIMITED_INSTANCES, static_cast<DWORD>(MaxReplyFrameSize()),
      static_cast<DWORD>(wire::kRequestSize * 2), 0, security_->attributes()));
  if (!instance->pipe.is_valid()) {
    *error = LastWindowsError("CreateNamedPipeW", what);
    return false;
  }
  if (!::CreateIoCompletionPort(instance->pipe.get(), port_.get(), instance->id,
                                0)) {
    *error = LastWindowsError("CreateIoCompletionPort", what);
    return false;
  }
  if (::ConnectNamedPipe(instance->pipe.get(), &instance->read)) {
    instance->read_pending = true;  // its packet is queued all the same
  } else {
    DWORD os_error = ::GetLastError();
    if (os_error == ERROR_PIPE_CONNECTED) {
      // A client came between the two calls: no packet will come.
      listener_.reset();
      OnConnected(std::move(instance));
      return NewListener(false, error);
    }
    if (os_error != ERROR_IO_PENDING) {
      *error = WindowsError("ConnectNamedPipe", os_error, what);
      return false;
    }
    instance->read_pending = true;
  }
  listener_ = std::move(instance);
  return true;
}

WinServer::~WinServer() {
  StopThread();
  // The exit watches post to the port: released while it is open.
  table_->Clear();
  if (listener_)
    Retire(std::move(listener_));
  while (!connections_.empty()) {
    auto first = connections_.begin();
    std::unique_ptr<Instance> instance = std::move(first->second);
    connections_.erase(first);
    Retire(std::move(instance));
  }
  // Cancelled operations report soon after their handle closes. One that
  // never does keeps its few bytes: freeing them could let the system write
  // into memory that is someone else's by then.
  DWORD start = ::GetTickCount();
  while (!retired_.empty() && ::GetTickCount() - start < kDrainTimeoutMs) {
    DWORD bytes;
    ULONG_PTR key;
    OVERLAPPED* overlapped = nullptr;
    ::GetQueuedCompletionStatus(port_.get(), &bytes, &key, &overlapped,
                                kDrainTimeoutMs);
    auto it = retired_.find(key);
    if (overlapped && it != retired_.end() && overlapped == &it->second->read)
      retired_.erase(it);
    else if (!overlapped && ::GetLastError() == WAIT_TIMEOUT)
      break;
  }
  for (auto& entry : retired_)
    (void)entry.second.release();
  config_.log("server stopped");
}

void WinServer::Wake() {
  ::PostQueuedCompletionStatus(port_.get(), 0, kWakeKey, nullptr);
}

void WinServer::Die(const char* call, DWORD error) {
  config_.log("%s failed (error %lu); the server thread exits", call, error);
  RecordFailure(WindowsError(call, error, "The rendezvous server stopped",
                             codes::kServerDied));
  if (listener_)
    Retire(std::move(listener_));
  std::vector<uint64_t> ids;
  for (const auto& entry : connections_)
    ids.push_back(entry.first);
  for (uint64_t id : ids)
    DropConnection(id, "the server stopped");
}

std::unique_ptr<ExitWatch> WinServer::WatchExit(int32_t pid, Error* error) {
  return MakeProcessExitWatch(port_.get(), kExitKey, pid, error);
}

void WinServer::Run() {
  while (!stopping()) {
    Clock::time_point now = Clock::now();
    if (listener_retry_at_ && now >= *listener_retry_at_) {
      Error error;
      if (NewListener(false, &error))
        listener_retry_at_.reset();
      else
        listener_retry_at_ = now + kListenerRetry;
    }
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    OVERLAPPED* overlapped = nullptr;
    BOOL ok =
        ::GetQueuedCompletionStatus(port_.get(), &bytes, &key, &overlapped,
                                    MillisecondsUntilNextDeadline(now));
    DWORD error = ok ? ERROR_SUCCESS : ::GetLastError();
    if (!ok && !overlapped && error != WAIT_TIMEOUT) {
      Die("GetQueuedCompletionStatus", error);
      return;
    }
    if (ok || overlapped)
      OnPacket(key, bytes, overlapped, error);
    if (stopping())
      return;
    now = Clock::now();
    ExpireConnections(now);
    // Held requests are re-examined on every pass: a table change may have
    // answered them, and their deadlines (and resends) pass without any
    // event.
    policy_.OnTick(now);
  }
}

void WinServer::OnPacket(ULONG_PTR key,
                         DWORD bytes,
                         OVERLAPPED* overlapped,
                         DWORD error) {
  if (key == kWakeKey)
    return;
  if (key == kExitKey) {
    OnChildExited(static_cast<int32_t>(bytes));
    return;
  }
  if (listener_ && key == listener_->id && overlapped == &listener_->read) {
    std::unique_ptr<Instance> instance = std::move(listener_);
    instance->read_pending = false;
    Error listen_error;
    if (!NewListener(false, &listen_error)) {
      config_.log("no new pipe instance: %s", listen_error.message.c_str());
      listener_retry_at_ = Clock::now() + kListenerRetry;
    }
    if (error == ERROR_SUCCESS || error == ERROR_PIPE_CONNECTED)
      OnConnected(std::move(instance));
    // Otherwise the client left before it was seen; nothing to answer.
    return;
  }
  auto retired = retired_.find(key);
  if (retired != retired_.end()) {
    if (overlapped == &retired->second->read)
      retired_.erase(retired);
    return;
  }
  auto it = connections_.find(key);
  // A reply's write reports here too: only reads matter.
  if (it == connections_.end() || overlapped != &it->second->read)
    return;
  it->second->read_pending = false;
  OnRead(key, bytes, error);
}

void WinServer::OnConnected(std::unique_ptr<Instance> instance) {
  ULONG pid = 0;
  if (!::GetNamedPipeClientProcessId(instance->pipe.get(), &pid)) {
    config_.log("refused a connection: no client pid (error %lu)",
                ::GetLastError());
    Retire(std::move(instance));
    return;
  }
  // Opened now, so the process stays this pid's for as long as it is held.
  Error error;
  instance->process =
      OpenProcessById(static_cast<int32_t>(pid), kConnectedAccess, &error);
  if (!instance->process.is_valid()) {
    config_.log("refused pid %lu's connection: %s", pid, error.message.c_str());
    Retire(std::move(instance));
    return;
  }
  if (connections_.size() >= config_.limits.max_connections && !MakeRoom()) {
    config_.log("refused a connection: %zu already open, none silent",
                connections_.size());
    Retire(std::move(instance));
    return;
  }
  instance->pid = static_cast<int32_t>(pid);
  instance->stage = Stage::kReading;
  instance->deadline = Clock::now() + config_.limits.request_read_timeout;
  Instance* raw = instance.get();
  connections_.emplace(raw->id, std::move(instance));
  StartRead(raw);
}

// A connection always has one read under way: the request, then the
// client's hang-up (or noise, which ends it as well).
void WinServer::StartRead(Instance* instance) {
  instance->read = OVERLAPPED{};
  if (!::ReadFile(instance->pipe.get(), instance->buffer,
                  sizeof(instance->buffer), nullptr, &instance->read)) {
    DWORD error = ::GetLastError();
    // ERROR_MORE_DATA completes the read (with too much) and reports it.
    if (error != ERROR_IO_PENDING && error != ERROR_MORE_DATA) {
      DropConnection(instance->id, "client closed before asking");
      return;
    }
  }
  instance->read_pending = true;
}

void WinServer::OnRead(uint64_t id, DWORD bytes, DWORD error) {
  Instance& instance = *connections_.at(id);
  if (instance.stage == Stage::kAnswered) {
    DropConnection(id, nullptr);
    return;
  }
  if (instance.stage == Stage::kAsked) {
    // The client has nothing more to say: this is its hang-up (or noise).
    DropConnection(id, "client left before it was answered");
    return;
  }
  if (error == ERROR_MORE_DATA) {
    DropConnection(id, "malformed request");
    return;
  }
  if (error != ERROR_SUCCESS) {
    DropConnection(id, "client closed before asking");
    return;
  }
  OnRequest(id, bytes);
}

void WinServer::OnRequest(uint64_t id, DWORD bytes) {
  Instance& instance = *connections_.at(id);
  if (!wire::DecodeRequest(instance.buffer, bytes)) {
    DropConnection(id, "malformed request");
    return;
  }
  instance.stage = Stage::kAsked;
  int32_t pid = instance.pid;
  HANDLE process = instance.process.get();
  config_.log("request from pid %d", pid);
  // May answer, and so finish, the connection.
  policy_.OnRequest(id, pid, Clock::now(), [process] {
    return IsChildOfThisProcess(process) && !ProcessHasExited(process);
  });
  auto it = connections_.find(id);
  if (it != connections_.end())
    StartRead(it->second.get());
}

// At the connection limit the oldest connection that is not waiting for its
// answer makes room (one that lingers after its reply, or one that has not
// asked): idle connections, however many, cannot keep a child out.
bool WinServer::MakeRoom() {
  for (const auto& [id, instance] : connections_) {
    if (!policy_.IsWaiting(id)) {
      DropConnection(id, "the oldest silent connection, closed to make room");
      return true;
    }
  }
  return false;
}

void WinServer::OnChildExited(int32_t pid) {
  if (table_->ReleaseIfExited(pid))
    config_.log("pid %d exited before claiming; its rights are released", pid);
}

void WinServer::ExpireConnections(Clock::time_point now) {
  std::vector<std::pair<uint64_t, const char*>> expired;
  for (const auto& [id, instance] : connections_) {
    if (now < instance->deadline)
      continue;
    if (instance->stage == Stage::kReading)
      expired.emplace_back(id, "client sent no request in time");
    else if (instance->stage == Stage::kAnswered)
      expired.emplace_back(id, nullptr);
  }
  for (const auto& [id, why] : expired)
    DropConnection(id, why);
}

DWORD WinServer::MillisecondsUntilNextDeadline(Clock::time_point now) const {
  std::optional<Clock::time_point> next = policy_.NextDeadline();
  if (listener_retry_at_ && (!next || *listener_retry_at_ < *next))
    next = listener_retry_at_;
  for (const auto& [id, instance] : connections_) {
    bool timed = instance->stage == Stage::kReading ||
                 instance->stage == Stage::kAnswered;
    if (timed && (!next || instance->deadline < *next))
      next = instance->deadline;
  }
  if (!next)
    return INFINITE;
  if (*next <= now)
    return 0;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - now);
  return static_cast<DWORD>(std::min<int64_t>(wait.count(), 60 * 1000));
}

void WinServer::DropConnection(uint64_t id, const char* why) {
  auto it = connections_.find(id);
  if (it == connections_.end())
    return;
  if (why)
    config_.log("dropped pid %d's connection: %s", it->second->pid, why);
  std::unique_ptr<Instance> instance = std::move(it->second);
  connections_.erase(it);
  policy_.Forget(id);
  Retire(std::move(instance));
}

void WinServer::Retire(std::unique_ptr<Instance> instance) {
  if (instance->read_pending)
    ::CancelIoEx(instance->pipe.get(), &instance->read);
  instance->pipe.reset();
  instance->process.reset();
  if (instance->read_pending) {
    uint64_t id = instance->id;
    retired_.emplace(id, std::move(instance));
  }
}

}  // namespace rendezvous
