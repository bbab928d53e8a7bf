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

// Whether `value` is a region object made by this addon; if so `*mapping`
// is the region it maps (still the object's), or null once it is closed or
// for an object that only inherits the class's prototype.
bool UnwrapSharedMemory(Napi::Env env,
                        const Napi::Value& value,
                        const SharedMemoryMapping** mapping);

}  // namespace rendezvous

#endif  // ADDON_NAPI_SHARED_MEMORY_BINDINGS_H_
