// The rendezvous server's named pipe: its name, and who may open it.
//
//   \\.\pipe\<prefix>.PortRendezvous.<pid>.<32 hex>
//
// The random part makes the name unguessable; FILE_FLAG_FIRST_PIPE_INSTANCE
// makes creating it fail if anyone holds the name already, so the server
// never shares a pipe with a squatter. Who is asking is decided by the pid
// the system reports for each connection, never by the name.
#ifndef ADDON_WIN_PIPE_ENDPOINT_H_
#define ADDON_WIN_PIPE_ENDPOINT_H_

#include <windows.h>

#include <string>

#include "core/endpoint_name.h"
#include "core/error.h"

namespace rendezvous {

inline constexpr char kPipeNamespace[] = "\\\\.\\pipe\\";

// Unguessable bytes for a pipe's name; `what` says what was being named.
bool RandomPipeNonce(EndpointNonce* nonce, const char* what, Error* error);

// A new random endpoint of this process's server.
bool MakeRandomPipeName(const std::string& prefix,
                        std::string* endpoint,
                        Error* error);

// Whether `endpoint` has exactly the shape MakeRandomPipeName gives (the
// prefix may be any name of letters, digits, '.', '_' and '-').
bool IsPipeEndpoint(const std::string& endpoint);

// `text` (ASCII or UTF-8) as the system's wide string.
std::wstring Widen(const std::string& text);

}  // namespace rendezvous

#endif  // ADDON_WIN_PIPE_ENDPOINT_H_
