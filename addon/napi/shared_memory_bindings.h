// SharedMemory's native half: a mapped region JS reads and writes by copy,
// or sees through a zero-copy ArrayBuffer where the runtime allows one.
#ifndef ADDON_NAPI_SHARED_MEMORY_BINDINGS_H_
#define ADDON_NAPI_SHARED_MEMORY_BINDINGS_H_

#include <napi.h>

#include <memory>

#include "core/shared_memory.h"

namespace rendezvous {

void InitSharedMemoryBindings(Napi::Env env, Napi::Object exports);

// A JS object owning `mapping` (for a region that arrived in a message).
Napi::Value NewSharedMemoryObject(Napi::Env env,
                                  std::unique_ptr<SharedMemoryMapping> mapping);

// The open mapping a region object made by this addon wraps; null for
// anything else or a closed one (with an exception pending only if the
// instanceof check itself threw).
const SharedMemoryMapping* UnwrapSharedMemory(const Napi::Value& value);

}  // namespace rendezvous

#endif  // ADDON_NAPI_SHARED_MEMORY_BINDINGS_H_
