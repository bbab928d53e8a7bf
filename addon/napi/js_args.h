// Argument checks shared by the bindings. The TypeScript layer validates
// first; these make sure a direct call into the addon can never crash it.
// Each returns false after throwing.
#ifndef ADDON_NAPI_JS_ARGS_H_
#define ADDON_NAPI_JS_ARGS_H_

#include <napi.h>

#include <cstdint>
#include <vector>

#include "core/outgoing_handles.h"
#include "core/seam/handles.h"

namespace rendezvous {

bool GetPid(const Napi::Value& value, int32_t* pid);
bool GetInteger(const Napi::Value& value,
                const char* name,
                int64_t min,
                int64_t max,
                int64_t* out);
// A channel end a registration lists, still its object's: the spec names
// its handle, which the registration takes (GiveUpEndpoint) only once it is
// accepted.
struct ListedEnd {
  Napi::Object object;
  TransferableEnd* end = nullptr;
  int64_t handle = -1;
};

// The dispositions a packed registration names by index, in this order
// (exported to JS as `packedDispositions`).
inline constexpr const char* kPackedDispositions[] = {
    "move",      "copy",         "move-send",      "copy-send",
    "make-send", "move-receive", "make-send-once", "move-send-once",
};

// Either a Float64Array of [key, handle, disposition index] records, the
// form the TypeScript layer uses for plain handle rights (one native read
// for the whole registration instead of several property reads per right),
// or an array of objects:
// [{ key, handle, disposition?, payload?, byteLength? },
//  { key, region: NativeSharedMemory } or { key, channel: NativeChannel },
//  ...]. Without a disposition the backend's default for the payload
// applies (core/default_dispositions.h). A channel end must be open and
// between messages; it is listed in `ends` too.
bool GetRightSpecs(const Napi::Value& value,
                   std::vector<RightSpec>* specs,
                   std::vector<ListedEnd>* ends);

}  // namespace rendezvous

#endif  // ADDON_NAPI_JS_ARGS_H_
