// A mapping that stands for another one it owns, to do something more when
// it goes (give bytes back to a budget, tell a peer a body is free): it
// shows exactly the wrapped mapping's bytes, handle, object and sharing.
#ifndef ADDON_NAPI_MAPPING_WRAPPER_H_
#define ADDON_NAPI_MAPPING_WRAPPER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "core/shared_memory.h"

namespace rendezvous {

class MappingWrapper : public SharedMemoryMapping {
 public:
  explicit MappingWrapper(std::unique_ptr<SharedMemoryMapping> wrapped)
      : wrapped_(std::move(wrapped)) {}

  uint8_t* data() const override { return wrapped_->data(); }
  uint64_t size() const override { return wrapped_->size(); }
  int64_t handle() const override { return wrapped_->handle(); }
  std::optional<RegionId> id() const override { return wrapped_->id(); }
  MappingSharing sharing() const override { return wrapped_->sharing(); }

 protected:
  // Unmaps the wrapped mapping now. A subclass's destructor calls it before
  // doing its own part: left to this base, the unmapping would come after
  // every member of the subclass had gone.
  void UnmapWrapped() { wrapped_.reset(); }

 private:
  std::unique_ptr<SharedMemoryMapping> wrapped_;
};

}  // namespace rendezvous

#endif  // ADDON_NAPI_MAPPING_WRAPPER_H_
