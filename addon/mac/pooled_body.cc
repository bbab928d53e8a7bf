#include "mac/pooled_body.h"

#include <mach/mach.h>

#include <cstring>
#include <utility>

#include "core/large_copy.h"
#include "core/seam/handles.h"
#include "core/shared_memory.h"
#include "mac/mach_vm.h"
#include "mac/memory_entry.h"
#include "mac/message_body.h"
#include "mac/scoped_mach_port.h"

namespace rendezvous::mac {

namespace {

// A receiver maps the entry copy-on-write, which write-protects the pages
// this mapping has touched: the next fill takes a soft fault on each (and,
// should the receiver still map the body, copies the page for it first, so
// what it reads never changes under it). Either costs less than the first
// touch of a new body's pages, which is what pooling saves.
class PooledEntryBody : public PooledBody {
 public:
  PooledEntryBody(ScopedMachSendRight entry,
                  mach_vm_address_t address,
                  uint64_t capacity)
      : entry_(std::move(entry)), address_(address), capacity_(capacity) {}
  ~PooledEntryBody() override {
    mach_vm_deallocate(mach_task_self(), address_, capacity_);
  }

  uint64_t capacity() const override { return capacity_; }

  bool Fill(const uint8_t* data, uint64_t size, Error* error) override {
    if (size > capacity_) {
      *error = Error::Range(codes::kInvalidArgument,
                            "A message body larger than its pooled body");
      return false;
    }
    CopyBytes(reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(address_)),
              data, static_cast<size_t>(size));
    return true;
  }

  // One more user reference to the entry's send right, under the same
  // name: the message copies it, and the reference is dropped once sent.
  bool Duplicate(OwnedHandle* out, Error* error) const override {
    return DuplicateHandle(entry_.get(), RightKind::kSharedMemory, out, error);
  }

 private:
  ScopedMachSendRight entry_;
  mach_vm_address_t address_;
  uint64_t capacity_;
};

}  // namespace

bool CreatePooledMemoryEntryBody(uint64_t capacity,
                                 std::unique_ptr<PooledBody>* body,
                                 Error* error) {
  ScopedMachSendRight entry;
  mach_vm_address_t address;
  if (!CreateMappedBodyEntry(capacity, "a pooled message body", &entry,
                             &address, error)) {
    return false;
  }
  *body =
      std::make_unique<PooledEntryBody>(std::move(entry), address, capacity);
  return true;
}

}  // namespace rendezvous::mac
