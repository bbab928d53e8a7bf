#include "napi/server_bindings.h"

#include <optional>
#include <string>
#include <vector>

#include "core/right_specs.h"
#include "core/seam/process.h"
#include "napi/addon_state.h"
#include "napi/js_args.h"
#include "napi/js_error.h"
#include "napi/launch_ends.h"

namespace rendezvous {

namespace {

constexpr int64_t kMaxLaunchId = (int64_t{1} << 53) - 1;

ServerTransport* RunningServer(Napi::Env env) {
  AddonState* state = AddonState::Get(env);
  if (!state->server) {
    ThrowJsError(env, Error::Make(codes::kServerStopped,
                                  "The rendezvous server is not running"));
    return nullptr;
  }
  // A server whose thread died would take rights no child could claim.
  if (std::optional<Error> failure = state->server->failure()) {
    ThrowJsError(env, *failure);
    return nullptr;
  }
  return state->server.get();
}

bool ReadLimit(Napi::Object options,
               const char* name,
               int64_t max,
               int64_t* out) {
  Napi::Value value = options.Get(name);
  if (value.IsUndefined())
    return true;
  return GetInteger(value, name, 1, max, out);
}

// startServer({ pendingRequestTimeoutMs?, requestReadTimeoutMs?,
//               maxHeldRequests?, maxConnections?, debug? }) -> endpoint
Napi::Value StartServerBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* state = AddonState::Get(env);
  ServerConfig config;
  bool debug = false;
  if (info.Length() > 0 && info[0].IsObject()) {
    Napi::Object options = info[0].As<Napi::Object>();
    int64_t pending = config.limits.pending_request_timeout.count();
    int64_t read = config.limits.request_read_timeout.count();
    int64_t held = static_cast<int64_t>(config.limits.max_held_requests);
    int64_t connections = static_cast<int64_t>(config.limits.max_connections);
    if (!ReadLimit(options, "pendingRequestTimeoutMs", kMaxServerTimeoutMs,
                   &pending) ||
        !ReadLimit(options, "requestReadTimeoutMs", kMaxServerTimeoutMs,
                   &read) ||
        !ReadLimit(options, "maxHeldRequests", kMaxServerCapacity, &held) ||
        !ReadLimit(options, "maxConnections", kMaxServerCapacity,
                   &connections)) {
      return env.Undefined();
    }
    config.limits.pending_request_timeout = std::chrono::milliseconds(pending);
    config.limits.request_read_timeout = std::chrono::milliseconds(read);
    config.limits.max_held_requests = static_cast<size_t>(held);
    config.limits.max_connections = static_cast<size_t>(connections);
    Napi::Value debug_option = options.Get("debug");
    if (env.IsExceptionPending())
      return env.Undefined();
    debug = debug_option.ToBoolean().Value();
    Napi::Value prefix = options.Get("bootstrapNamePrefix");
    if (env.IsExceptionPending())
      return env.Undefined();
    if (!prefix.IsUndefined()) {
      if (!prefix.IsString() || prefix.As<Napi::String>().Utf8Value().empty()) {
        ThrowJsError(env, Error::Type(codes::kInvalidArgument,
                                      "bootstrapNamePrefix must be a "
                                      "non-empty string"));
        return env.Undefined();
      }
      config.name_prefix = prefix.As<Napi::String>().Utf8Value();
    }
  }
  if (state->server)
    return Napi::String::New(env, state->server->endpoint());
  config.log = DebugLog(debug, static_cast<long>(CurrentProcessId()));
  config.deferred_release = &state->deferred_release;
  Error error;
  state->server = StartServer(&state->table, config, &error);
  if (!state->server) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  return Napi::String::New(env, state->server->endpoint());
}

Napi::Value StopServerBinding(const Napi::CallbackInfo& info) {
  AddonState* state = AddonState::Get(info.Env());
  state->server.reset();
  // The stopped server released every launch and the ends they held: none
  // can be given back, and their handle numbers may be reused.
  state->launch_ends.ForgetAll();
  return info.Env().Undefined();
}

// prepareLaunch(rights) -> launch id. Channel ends are taken from their
// objects only once every right was adopted.
Napi::Value PrepareLaunchBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RunningServer(env))
    return env.Undefined();
  std::vector<RightSpec> specs;
  std::vector<ListedEnd> ends;
  if (!GetRightSpecs(info[0], &specs, &ends))
    return env.Undefined();
  if (auto error = CheckRightSpecs(specs)) {
    ThrowJsError(env, *error);
    return env.Undefined();
  }
  RightsByKey rights;
  Error error;
  if (!AdoptRights(specs, &rights, &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  std::vector<TakenEnd> taken = TakeEnds(ends);
  AddonState* state = AddonState::Get(env);
  auto id = state->table.Prepare(std::move(rights));
  state->launch_ends.Keep(id, std::move(taken));
  return Napi::Number::New(env, static_cast<double>(id));
}

// bindLaunch(id, pid)
Napi::Value BindLaunchBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ServerTransport* server = RunningServer(env);
  int64_t id;
  int32_t pid;
  if (!server || !GetInteger(info[0], "launch", 1, kMaxLaunchId, &id) ||
      !GetPid(info[1], &pid)) {
    return env.Undefined();
  }
  Error error;
  std::unique_ptr<ExitWatch> watch = server->WatchExit(pid, &error);
  if (!watch) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  auto launch = static_cast<RegistrationTable::LaunchId>(id);
  AddonState* state = AddonState::Get(env);
  if (auto bind_error = state->table.Bind(launch, pid, std::move(watch))) {
    ThrowJsError(env, *bind_error);
    return env.Undefined();
  }
  state->launch_ends.Forget(launch);
  return env.Undefined();
}

// cancelLaunch(id, giveBack?): releases the launch's rights, or with
// giveBack (a launch that never ran) returns the moved ones to the caller
// unreleased, each channel end into its own object; unknown ids are ignored.
Napi::Value CancelLaunchBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t id;
  if (!GetInteger(info[0], "launch", 1, kMaxLaunchId, &id))
    return env.Undefined();
  auto launch = static_cast<RegistrationTable::LaunchId>(id);
  AddonState* state = AddonState::Get(env);
  if (info[1].ToBoolean().Value()) {
    state->table.GiveBack(launch);
    state->launch_ends.GiveBack(env, launch);
  } else {
    state->table.Cancel(launch);
    state->launch_ends.Forget(launch);
  }
  return env.Undefined();
}

// registerForPid(pid, rights): all or nothing; on failure the caller keeps
// every handle, and every channel end stays in its object.
Napi::Value RegisterForPidBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ServerTransport* server = RunningServer(env);
  int32_t pid;
  std::vector<RightSpec> specs;
  std::vector<ListedEnd> ends;
  if (!server || !GetPid(info[0], &pid) ||
      !GetRightSpecs(info[1], &specs, &ends)) {
    return env.Undefined();
  }
  if (auto error = CheckRightSpecs(specs)) {
    ThrowJsError(env, *error);
    return env.Undefined();
  }
  Error error;
  if (!CheckRights(specs, &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  AddonState* state = AddonState::Get(env);
  if (state->table.IsRegistered(pid)) {
    ThrowJsError(env, Error::Make(codes::kAlreadyRegistered,
                                  "Rights are already registered for pid " +
                                      std::to_string(pid) +
                                      " and have not been claimed yet"));
    return env.Undefined();
  }
  // The watch opens a descriptor: only after the caller's were checked, so
  // it cannot take the number of a closed one the caller named.
  std::unique_ptr<ExitWatch> watch = server->WatchExit(pid, &error);
  RightsByKey rights;
  if (!watch || !AdoptRights(specs, &rights, &error)) {
    ThrowJsError(env, error);
    return env.Undefined();
  }
  std::vector<TakenEnd> taken = TakeEnds(ends);
  auto id = state->table.Prepare(std::move(rights));
  if (auto bind_error = state->table.Bind(id, pid, std::move(watch))) {
    state->table.GiveBack(id);
    ReturnEnds(env, &taken);
    ThrowJsError(env, *bind_error);
  }
  return env.Undefined();
}

Napi::Value ServerStatsBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonState* state = AddonState::Get(env);
  Napi::Object stats = Napi::Object::New(env);
  std::optional<Error> failure;
  if (state->server)
    failure = state->server->failure();
  stats.Set("running",
            Napi::Boolean::New(env, state->server != nullptr && !failure));
  // The error the calls that need the server now throw; null while it serves
  // (or once stopped).
  stats.Set("failure", failure ? ToJsError(env, *failure).Value() : env.Null());
  stats.Set("registrations",
            Napi::Number::New(
                env, static_cast<double>(state->table.registration_count())));
  stats.Set("pendingLaunches",
            Napi::Number::New(
                env, static_cast<double>(state->table.pending_launch_count())));
  size_t held = state->server ? state->server->held_request_count() : 0;
  stats.Set("heldRequests", Napi::Number::New(env, static_cast<double>(held)));
  return stats;
}

}  // namespace

void InitServerBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("startServer", Napi::Function::New(env, StartServerBinding));
  exports.Set("stopServer", Napi::Function::New(env, StopServerBinding));
  exports.Set("prepareLaunch", Napi::Function::New(env, PrepareLaunchBinding));
  exports.Set("bindLaunch", Napi::Function::New(env, BindLaunchBinding));
  exports.Set("cancelLaunch", Napi::Function::New(env, CancelLaunchBinding));
  exports.Set("registerForPid",
              Napi::Function::New(env, RegisterForPidBinding));
  exports.Set("serverStats", Napi::Function::New(env, ServerStatsBinding));
  // What a packed registration's disposition indexes name (js_args.h).
  Napi::Array dispositions = Napi::Array::New(env);
  uint32_t index = 0;
  for (const char* name : kPackedDispositions)
    dispositions.Set(index++, Napi::String::New(env, name));
  dispositions.Freeze();
  exports.Set("packedDispositions", dispositions);
}

}  // namespace rendezvous
