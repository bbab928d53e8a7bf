#include "napi/launch_ends.h"

#include <utility>

#include "core/channel_transport.h"
#include "napi/channel_bindings.h"
#include "napi/channel_handoff.h"

namespace rendezvous {

std::vector<TakenEnd> TakeEnds(const std::vector<ListedEnd>& ends) {
  std::vector<TakenEnd> taken;
  taken.reserve(ends.size());
  for (const ListedEnd& listed : ends) {
    // The spec named this handle, which the adopted right owns now: the
    // end lets go of it without closing it.
    (void)listed.end->GiveUpEndpoint().release();
    taken.push_back({Napi::Persistent(listed.object), listed.handle});
  }
  return taken;
}

void ReturnEnds(Napi::Env env, std::vector<TakenEnd>* ends) {
  for (TakenEnd& end : *ends) {
    // Nobody to tell of a failure: the end stays closed, as it would had a
    // child taken it.
    Error error;
    DeferredTransport transport = ReleasedOffThread(
        env,
        AdoptChannelEnd(OwnedHandle(end.handle, RightKind::kChannel), &error));
    if (transport) {
      (void)GiveChannelEndBack(env, end.object.Value(), std::move(transport),
                               end.handle);
    }
  }
  ends->clear();
}

void LaunchEnds::Keep(LaunchId launch, std::vector<TakenEnd> ends) {
  if (!ends.empty())
    launches_[launch] = std::move(ends);
}

void LaunchEnds::Forget(LaunchId launch) {
  launches_.erase(launch);
}

void LaunchEnds::ForgetAll() {
  launches_.clear();
}

void LaunchEnds::GiveBack(Napi::Env env, LaunchId launch) {
  auto it = launches_.find(launch);
  if (it == launches_.end())
    return;
  std::vector<TakenEnd> ends = std::move(it->second);
  launches_.erase(it);
  ReturnEnds(env, &ends);
}

}  // namespace rendezvous
