// Argument checks shared by the bindings. The TypeScript layer validates
// first; these make sure a direct call into the addon can never crash it.
// Each returns false after throwing.
#ifndef ADDON_NAPI_JS_ARGS_H_
#define ADDON_NAPI_JS_ARGS_H_

#include <napi.h>

#include <cstdint>
#include <vector>

#include "core/seam/handles.h"

namespace rendezvous {

bool GetPid(const Napi::Value& value, int32_t* pid);
bool GetInteger(const Napi::Value& value,
                const char* name,
                int64_t min,
                int64_t max,
                int64_t* out);
// [{ key, handle, disposition?, payload?, byteLength? } or
//  { key, region: NativeSharedMemory }, ...]. Without a disposition the
// backend's default for the payload applies (core/default_dispositions.h).
bool GetRightSpecs(const Napi::Value& value, std::vector<RightSpec>* specs);

}  // namespace rendezvous

#endif  // ADDON_NAPI_JS_ARGS_H_
