// Names of rendezvous servers in the abstract Unix socket namespace.
//
// An endpoint is written "@electron-port-rendezvous.<server pid>.<32 hex>"
// (core/endpoint_name.h): the '@' stands for the leading NUL of an abstract
// address.
#ifndef ADDON_LINUX_ENDPOINT_H_
#define ADDON_LINUX_ENDPOINT_H_

#include <sys/socket.h>
#include <sys/un.h>

#include <string>

#include "core/error.h"

namespace rendezvous {

// A fresh name for this process's server, random from getrandom().
bool MakeRandomEndpoint(std::string* endpoint, Error* error);

// Fills `address` for `endpoint`; false for a name that is not an endpoint.
bool EndpointAddress(const std::string& endpoint,
                     sockaddr_un* address,
                     socklen_t* length);

}  // namespace rendezvous

#endif  // ADDON_LINUX_ENDPOINT_H_
