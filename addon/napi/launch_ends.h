// Channel ends a rendezvous registration took from their NativeChannel
// objects, remembered while its launch is pending so that giving the launch
// back returns each end to the object it came from.
//
// Thread use: the JS thread.
#ifndef ADDON_NAPI_LAUNCH_ENDS_H_
#define ADDON_NAPI_LAUNCH_ENDS_H_

#include <napi.h>

#include <cstdint>
#include <map>
#include <vector>

#include "core/registration_table.h"
#include "napi/js_args.h"

namespace rendezvous {

// An end the registration owns now, and the object to return it to.
struct TakenEnd {
  Napi::ObjectReference object;
  int64_t handle = -1;
};

// Takes every listed end out of its object: from now on the registration
// owns its handle. Only for a registration whose rights were all adopted.
std::vector<TakenEnd> TakeEnds(const std::vector<ListedEnd>& ends);

// Returns each end, whose handle the registration gave back unreleased, to
// its object. One that can no longer be a channel end is closed.
void ReturnEnds(Napi::Env env, std::vector<TakenEnd>* ends);

class LaunchEnds {
 public:
  using LaunchId = RegistrationTable::LaunchId;

  void Keep(LaunchId launch, std::vector<TakenEnd> ends);
  // The launch was bound or cancelled: its ends are gone for good.
  void Forget(LaunchId launch);
  // The server released every launch (stopped).
  void ForgetAll();
  // The launch was given back (RegistrationTable::GiveBack): its ends
  // return to their objects.
  void GiveBack(Napi::Env env, LaunchId launch);

 private:
  std::map<LaunchId, std::vector<TakenEnd>> launches_;
};

}  // namespace rendezvous

#endif  // ADDON_NAPI_LAUNCH_ENDS_H_
