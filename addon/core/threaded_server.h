// What the servers that run on a thread of their own (Linux, Windows) share:
// the registration table they serve, their endpoint, and the thread's life.
// Table changes wake the thread; stopping wakes it once more and joins it.
// The failure the thread records is kept under a lock, for the JS thread.
//
// Thread use: constructed, started, stopped and destroyed on the JS thread;
// Run() on the server's thread; Wake() from any thread.
//
// Ownership: owns the thread. A backend calls StopThread() first thing in
// its destructor, so Run() and Wake() never outlive the backend's members.
#ifndef ADDON_CORE_THREADED_SERVER_H_
#define ADDON_CORE_THREADED_SERVER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/seam/server.h"

namespace rendezvous {

class ThreadedServer : public ServerTransport {
 public:
  // Makes a `Server` (which befriends this class for its constructor), has
  // it listen, then starts its thread. Null, with `error` set, if it could
  // not listen.
  template <typename Server>
  static std::unique_ptr<Server> Start(RegistrationTable* table,
                                       const ServerConfig& config,
                                       Error* error) {
    std::unique_ptr<Server> server(new Server(table, config));
    ThreadedServer* base = server.get();
    if (!base->Listen(error))
      return nullptr;
    base->StartThread();
    return server;
  }

  const std::string& endpoint() const override { return endpoint_; }
  std::optional<Error> failure() const override;

 protected:
  ThreadedServer(RegistrationTable* table, const ServerConfig& config);

  // Makes Run() return and waits for it, then stops table changes waking
  // the thread. Nothing to wait for if StartThread() never ran.
  void StopThread();
  bool stopping() const { return stopping_.load(); }
  // Server thread: why it cannot go on, for failure().
  void RecordFailure(Error failure);

  // Opens the endpoint and everything Run() waits on.
  virtual bool Listen(Error* error) = 0;
  // Makes Run() look at stopping() and the table again soon.
  virtual void Wake() = 0;
  // The server's loop; returns once stopping() is true (or it failed).
  virtual void Run() = 0;

  RegistrationTable* const table_;
  const ServerConfig config_;
  std::string endpoint_;

 private:
  // Once the backend listens: table changes wake the thread, which starts
  // in Run().
  void StartThread();

  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex failure_mutex_;
  std::optional<Error> failure_;  // guarded by failure_mutex_
};

}  // namespace rendezvous

#endif  // ADDON_CORE_THREADED_SERVER_H_
