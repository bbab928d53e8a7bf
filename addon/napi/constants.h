// The addon's constants, exported once as a frozen `constants` object so the
// TypeScript layer reads every limit, RightKind value, default disposition
// and the zero-copy mode from here rather than spelling them again.
#ifndef ADDON_NAPI_CONSTANTS_H_
#define ADDON_NAPI_CONSTANTS_H_

#include <napi.h>

namespace rendezvous {

// Exports `constants` and checkRightCount(). Call after the environment's
// AddonState is set: the zero-copy mode it decided at load is exported as is.
void InitConstants(Napi::Env env, Napi::Object exports);

}  // namespace rendezvous

#endif  // ADDON_NAPI_CONSTANTS_H_
