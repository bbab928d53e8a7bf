#include "core/threaded_server.h"

#include <utility>

namespace rendezvous {

ThreadedServer::ThreadedServer(RegistrationTable* table,
                               const ServerConfig& config)
    : table_(table), config_(config) {}

void ThreadedServer::StartThread() {
  table_->SetOnChange([this] { Wake(); });
  thread_ = std::thread([this] { Run(); });
  config_.log("server listening at %s", endpoint_.c_str());
}

void ThreadedServer::StopThread() {
  if (thread_.joinable()) {
    stopping_.store(true);
    Wake();
    thread_.join();
  }
  table_->SetOnChange(nullptr);
}

void ThreadedServer::RecordFailure(Error failure) {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  failure_ = std::move(failure);
}

std::optional<Error> ThreadedServer::failure() const {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  return failure_;
}

}  // namespace rendezvous
