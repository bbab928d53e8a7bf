// A failure that crosses from the native layers up to JavaScript.
//
// The core, the backends and the bindings all report failures with this one
// type, so a JS `Error` can always carry a stable `code`, and for OS failures
// the failing call's name and its errno (or kern_return_t on macOS).
#ifndef ADDON_CORE_ERROR_H_
#define ADDON_CORE_ERROR_H_

#include <string>

namespace rendezvous {

// Which JS constructor the bindings use for the error.
enum class ErrorClass { kError, kTypeError, kRangeError };

struct Error {
  ErrorClass error_class = ErrorClass::kError;
  std::string code;     // "ERR_RENDEZVOUS_*"
  std::string message;  // human readable
  std::string syscall;  // empty unless an OS call failed
  int os_error = 0;     // errno / kern_return_t when syscall is set

  static Error Make(std::string code, std::string message) {
    Error e;
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
  }
  static Error Type(std::string code, std::string message) {
    Error e = Make(std::move(code), std::move(message));
    e.error_class = ErrorClass::kTypeError;
    return e;
  }
  static Error Range(std::string code, std::string message) {
    Error e = Make(std::move(code), std::move(message));
    e.error_class = ErrorClass::kRangeError;
    return e;
  }
  static Error System(std::string code,
                      std::string message,
                      std::string syscall,
                      int os_error) {
    Error e = Make(std::move(code), std::move(message));
    e.syscall = std::move(syscall);
    e.os_error = os_error;
    return e;
  }
};

// Stable codes, shared by every layer and documented in docs/api.md.
namespace codes {
inline constexpr const char kInvalidKey[] = "ERR_RENDEZVOUS_INVALID_KEY";
inline constexpr const char kInvalidPid[] = "ERR_RENDEZVOUS_INVALID_PID";
inline constexpr const char kInvalidRight[] = "ERR_RENDEZVOUS_INVALID_RIGHT";
inline constexpr const char kInvalidDisposition[] =
    "ERR_RENDEZVOUS_INVALID_DISPOSITION";
inline constexpr const char kInvalidArgument[] =
    "ERR_RENDEZVOUS_INVALID_ARGUMENT";
inline constexpr const char kTooManyRights[] = "ERR_RENDEZVOUS_TOO_MANY_RIGHTS";
inline constexpr const char kAlreadyRegistered[] =
    "ERR_RENDEZVOUS_ALREADY_REGISTERED";
inline constexpr const char kUnknownLaunch[] = "ERR_RENDEZVOUS_UNKNOWN_LAUNCH";
inline constexpr const char kProcessGone[] = "ERR_RENDEZVOUS_PROCESS_GONE";
inline constexpr const char kServerStopped[] = "ERR_RENDEZVOUS_SERVER_STOPPED";
inline constexpr const char kServerDied[] = "ERR_RENDEZVOUS_SERVER_DIED";
inline constexpr const char kNoServer[] = "ERR_RENDEZVOUS_NO_SERVER";
inline constexpr const char kNotParent[] = "ERR_RENDEZVOUS_NOT_PARENT";
inline constexpr const char kTimeout[] = "ERR_RENDEZVOUS_TIMEOUT";
inline constexpr const char kBadReply[] = "ERR_RENDEZVOUS_BAD_REPLY";
inline constexpr const char kNoReply[] = "ERR_RENDEZVOUS_NO_REPLY";
inline constexpr const char kBadEndpoint[] = "ERR_RENDEZVOUS_BAD_ENDPOINT";
inline constexpr const char kSystem[] = "ERR_RENDEZVOUS_SYSTEM";
inline constexpr const char kClosed[] = "ERR_RENDEZVOUS_CLOSED";
inline constexpr const char kOutOfRange[] = "ERR_RENDEZVOUS_OUT_OF_RANGE";
inline constexpr const char kBadMessage[] = "ERR_RENDEZVOUS_BAD_MESSAGE";
inline constexpr const char kChannelBusy[] = "ERR_RENDEZVOUS_CHANNEL_BUSY";
inline constexpr const char kQueueFull[] = "ERR_RENDEZVOUS_QUEUE_FULL";
inline constexpr const char kZeroCopyUnavailable[] =
    "ERR_RENDEZVOUS_ZERO_COPY_UNAVAILABLE";
}  // namespace codes

}  // namespace rendezvous

#endif  // ADDON_CORE_ERROR_H_
