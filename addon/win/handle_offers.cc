// The sender's side of handle offers (win/handle_offers.h): each offer is
// a one-instance pipe and the private copies it guards, served by one
// thread-pool wait on its overlapped event (no thread per offer).
#include "win/handle_offers.h"

#include <windows.h>

#include <atomic>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/endpoint_name.h"
#include "win/host_descriptors.h"
#include "win/overlapped_io.h"
#include "win/owner_only_security.h"
#include "win/pipe_endpoint.h"
#include "win/scoped_handle.h"
#include "win/socket_rights.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

// One offer: connect, write the reader the list of what it offers (the
// values and kinds the reader may take: the frame's copy is only the
// peer's word), read the reader's byte, then close everything. Its steps
// run under the table's lock, on the thread pool (or, the first, on the
// thread that made it).
class OfferPipe {
 public:
  OfferPipe(uint64_t owner,
            const EndpointNonce& nonce,
            ScopedHandle pipe,
            std::vector<ScopedHandle> copies,
            std::vector<uint8_t> list)
      : owner_(owner),
        nonce_(nonce),
        pipe_(std::move(pipe)),
        copies_(std::move(copies)),
        list_(std::move(list)) {}
  // The wait and the I/O are finished or cancelled here, so the kernel
  // and the pool are done with this object's memory when it goes.
  ~OfferPipe() {
    if (wait_ != nullptr) {
      if (!in_callback_) {
        ::SetThreadpoolWait(wait_, nullptr, nullptr);
        ::WaitForThreadpoolWaitCallbacks(wait_, TRUE);
      }
      ::CloseThreadpoolWait(wait_);
    }
    if (io_pending_ && pipe_) {
      ::CancelIoEx(pipe_.get(), &overlapped_);
      DWORD bytes = 0;
      ::GetOverlappedResult(pipe_.get(), &overlapped_, &bytes, TRUE);
    }
  }

  uint64_t owner() const { return owner_; }
  const EndpointNonce& nonce() const { return nonce_; }
  void set_owner(uint64_t owner) { owner_ = owner; }
  size_t count() const { return copies_.size(); }
  void set_in_callback() { in_callback_ = true; }

  bool Start(PTP_WAIT_CALLBACK callback, void* context, Error* error) {
    event_.reset(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    if (!event_) {
      *error = LastWindowsError("CreateEventW", "Could not offer handles");
      return false;
    }
    wait_ = ::CreateThreadpoolWait(callback, context, nullptr);
    if (wait_ == nullptr) {
      *error =
          LastWindowsError("CreateThreadpoolWait", "Could not offer handles");
      return false;
    }
    if (!Connect()) {
      *error = LastWindowsError("ConnectNamedPipe", "Could not offer handles");
      return false;
    }
    ::SetThreadpoolWait(wait_, event_.get(), nullptr);
    return true;
  }

  // One step after the event fired: true when the offer is over (taken,
  // or its reader failed or went), and the caller destroys it.
  bool Step() {
    if (stage_ == Stage::kConnecting && connected_at_once_)
      return Post(Stage::kWritingList);
    DWORD bytes = 0;
    bool ok = ::GetOverlappedResult(pipe_.get(), &overlapped_, &bytes, FALSE);
    io_pending_ = false;
    // The system cancels a thread's pending I/O when the thread exits: the
    // Worker that made the offer, or the pool thread that posted a step,
    // went. Nobody else cancels it while the offer is in the table, so the
    // step is posted again, from this thread.
    if (!ok && ::GetLastError() == ERROR_OPERATION_ABORTED &&
        reposts_++ < kMaxReposts) {
      if (stage_ != Stage::kConnecting)
        return Post(stage_);
      if (!Connect())
        return true;
      ::SetThreadpoolWait(wait_, event_.get(), nullptr);
      return false;
    }
    switch (stage_) {
      case Stage::kConnecting:
        if (!ok && ::GetLastError() != ERROR_PIPE_CONNECTED)
          return true;
        return Post(Stage::kWritingList);
      case Stage::kWritingList:
        if (!ok || bytes != list_.size())
          return true;  // the reader went before it had the list
        return Post(Stage::kReadingByte);
      case Stage::kReadingByte:
        break;
    }
    return true;  // the byte came, or the reader is gone: either way done
  }

 private:
  enum class Stage { kConnecting, kWritingList, kReadingByte };
  // A bound on posting a step again, so nothing can make it spin.
  static constexpr int kMaxReposts = 1000;

  // Posts the wait for the reader's connection; false if it failed.
  bool Connect() {
    overlapped_ = OVERLAPPED{};
    overlapped_.hEvent = event_.get();
    if (::ConnectNamedPipe(pipe_.get(), &overlapped_) ||
        ::GetLastError() == ERROR_PIPE_CONNECTED) {
      // Connected already (nobody should know the name when the offer is
      // made): the pool's next step goes straight on to the list.
      connected_at_once_ = true;
      ::SetEvent(event_.get());
      return true;
    }
    if (::GetLastError() != ERROR_IO_PENDING)
      return false;
    io_pending_ = true;
    return true;
  }

  // Posts the write of the list or the read of the reader's byte; true
  // when the offer is over (it failed at once, or the byte came).
  bool Post(Stage stage) {
    stage_ = stage;
    overlapped_ = OVERLAPPED{};
    overlapped_.hEvent = event_.get();
    const bool done =
        stage == Stage::kWritingList
            ? ::WriteFile(pipe_.get(), list_.data(),
                          static_cast<DWORD>(list_.size()), nullptr,
                          &overlapped_)
            : ::ReadFile(pipe_.get(), byte_, 1, nullptr, &overlapped_);
    if (done && stage == Stage::kReadingByte)
      return true;
    if (!done && ::GetLastError() != ERROR_IO_PENDING)
      return true;
    // A write done at once has signalled the event too: its result is
    // taken by the next step, as a pending one's is.
    io_pending_ = true;
    ::SetThreadpoolWait(wait_, event_.get(), nullptr);
    return false;
  }

  uint64_t owner_;
  EndpointNonce nonce_;
  ScopedHandle pipe_;
  std::vector<ScopedHandle> copies_;
  std::vector<uint8_t> list_;  // what the reader may take: EncodeOfferList
  ScopedHandle event_;
  OVERLAPPED overlapped_{};
  PTP_WAIT wait_ = nullptr;
  Stage stage_ = Stage::kConnecting;
  bool io_pending_ = false;
  bool connected_at_once_ = false;
  bool in_callback_ = false;
  int reposts_ = 0;
  uint8_t byte_[1] = {0};
};

// Every offer of this process. A wait's context is its offer's address,
// which a callback only uses once it found it here, under the lock: an
// offer taken out is destroyed only after its callbacks have returned, so
// no new offer can have its address while one still runs.
class OfferTable {
 public:
  static OfferTable& Get() {
    // Never destroyed: at exit the system closes what is left, and no
    // wait may be torn down under the loader lock.
    static OfferTable* table = new OfferTable();
    return *table;
  }

  uint64_t NewOwner() { return next_owner_.fetch_add(1) + 1; }

  bool Add(std::unique_ptr<OfferPipe> offer, Error* error) {
    // OnEvent may run after the addon is unloaded (an offer outlives the
    // Worker that made it, until taken or until exit).
    PinThisModule();
    OfferPipe* raw = offer.get();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (count_ + raw->count() > kMaxOfferedHandles) {
        *error = Error::Make(
            codes::kQueueFull,
            "This process already offers " + std::to_string(count_) +
                " handles in channel messages not yet read (at most " +
                std::to_string(kMaxOfferedHandles) +
                "): wait until the peer reads some");
        return false;
      }
      count_ += raw->count();
      offers_[raw] = std::move(offer);
      // Under the lock: a step on the pool finds it in the table.
      if (raw->Start(&OnEvent, raw, error))
        return true;
    }
    Remove(raw->nonce());
    return false;
  }

  void Remove(const EndpointNonce& nonce) {
    std::unique_ptr<OfferPipe> gone;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = offers_.begin(); it != offers_.end(); ++it) {
        if (it->second->nonce() == nonce) {
          gone = Take(it);
          break;
        }
      }
    }
    // Outside the lock: the destructor waits for a callback under way.
  }

  void RemoveOwnedBy(uint64_t owner) {
    std::vector<std::unique_ptr<OfferPipe>> gone;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = offers_.begin(); it != offers_.end();) {
        auto next = std::next(it);
        if (it->second->owner() == owner)
          gone.push_back(Take(it));
        it = next;
      }
    }
  }

  void Disown(uint64_t owner) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& entry : offers_) {
      if (entry.second->owner() == owner)
        entry.second->set_owner(0);
    }
  }

  size_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  using Offers = std::map<OfferPipe*, std::unique_ptr<OfferPipe>>;

  std::unique_ptr<OfferPipe> Take(Offers::iterator it) {
    std::unique_ptr<OfferPipe> offer = std::move(it->second);
    count_ -= offer->count();
    offers_.erase(it);
    return offer;
  }

  static VOID CALLBACK OnEvent(PTP_CALLBACK_INSTANCE /*instance*/,
                               PVOID context,
                               PTP_WAIT /*wait*/,
                               TP_WAIT_RESULT /*result*/) {
    OfferTable& table = Get();
    std::unique_ptr<OfferPipe> done;
    {
      std::lock_guard<std::mutex> lock(table.mutex_);
      auto it = table.offers_.find(static_cast<OfferPipe*>(context));
      if (it == table.offers_.end())
        return;  // withdrawn; its destructor waits for this callback
      if (!it->second->Step())
        return;
      done = table.Take(it);
      done->set_in_callback();
    }
  }

  std::mutex mutex_;
  Offers offers_;
  size_t count_ = 0;
  std::atomic<uint64_t> next_owner_{0};
};

// A private copy of the OS handle `handle` (of `kind`) names.
ScopedHandle PrivateCopy(const OwnedHandle& handle, Error* error) {
  HANDLE source = handle.kind() == RightKind::kFd
                      ? HostOsHandleOf(handle.get())
                      : HandleFromValue(handle.get());
  HANDLE copy = nullptr;
  if (!HandleTraits::IsValid(source) ||
      !::DuplicateHandle(::GetCurrentProcess(), source, ::GetCurrentProcess(),
                         &copy, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    *error = LastWindowsError(
        "DuplicateHandle",
        "Could not offer handle " + std::to_string(handle.get()),
        codes::kInvalidRight);
  }
  return ScopedHandle(copy);
}

void PutU32(uint32_t value, std::vector<uint8_t>* out) {
  for (int i = 0; i < 4; ++i)
    out->push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t GetLittleEndian(const uint8_t* bytes, int size) {
  uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

void EncodeOfferedHandles(const std::vector<OfferedHandle>& handles,
                          std::vector<uint8_t>* out) {
  for (const OfferedHandle& handle : handles) {
    PutU32(static_cast<uint32_t>(handle.value), out);
    PutU32(static_cast<uint32_t>(handle.value >> 32), out);
    PutU32(handle.kind, out);
  }
}

void DecodeOfferedHandles(const uint8_t* bytes,
                          uint32_t count,
                          std::vector<OfferedHandle>* handles) {
  handles->resize(count);
  for (OfferedHandle& offered : *handles) {
    offered.value = GetLittleEndian(bytes, 8);
    offered.kind = static_cast<uint32_t>(GetLittleEndian(bytes + 8, 4));
    bytes += kOfferedHandleBytes;
  }
}

void EncodeOfferRecord(const OfferRecord& record, std::vector<uint8_t>* out) {
  PutU32(record.pid, out);
  out->insert(out->end(), record.nonce.begin(), record.nonce.end());
  EncodeOfferedHandles(record.handles, out);
}

void DecodeOfferRecord(const uint8_t* bytes,
                       uint32_t count,
                       OfferRecord* record) {
  record->pid = static_cast<uint32_t>(GetLittleEndian(bytes, 4));
  std::memcpy(record->nonce.data(), bytes + 4, record->nonce.size());
  DecodeOfferedHandles(bytes + kOfferFixedBytes, count, &record->handles);
}

HandleOffers::HandleOffers() : owner_(OfferTable::Get().NewOwner()) {}

HandleOffers::~HandleOffers() {
  OfferTable::Get().Disown(owner_);
}

bool HandleOffers::Offer(const std::vector<OwnedHandle>& handles,
                         OfferRecord* record,
                         Error* error) {
  record->pid = ::GetCurrentProcessId();
  record->handles.clear();
  if (!RandomPipeNonce(&record->nonce, "Could not name a handle offer", error))
    return false;
  std::vector<ScopedHandle> copies;
  for (const OwnedHandle& handle : handles) {
    ScopedHandle copy = PrivateCopy(handle, error);
    if (!copy)
      return false;
    record->handles.push_back({static_cast<uint64_t>(HandleValue(copy.get())),
                               static_cast<uint32_t>(handle.kind())});
    copies.push_back(std::move(copy));
  }
  // What the offer's server tells its reader: the one list the reader
  // takes handles by.
  std::vector<uint8_t> list;
  EncodeOfferedHandles(record->handles, &list);
  OwnerOnlySecurity security;
  if (!security.Init(error))
    return false;
  const std::wstring name =
      Widen(ServerEndpointName(kOfferPipePrefix, record->pid, record->nonce));
  ScopedHandle pipe(::CreateNamedPipeW(
      name.c_str(),
      PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
      PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
          PIPE_REJECT_REMOTE_CLIENTS,
      1, static_cast<DWORD>(list.size()), 16, 0, security.attributes()));
  if (!pipe) {
    *error =
        LastWindowsError("CreateNamedPipeW", "Could not create a handle offer");
    return false;
  }
  return OfferTable::Get().Add(
      std::make_unique<OfferPipe>(owner_, record->nonce, std::move(pipe),
                                  std::move(copies), std::move(list)),
      error);
}

void HandleOffers::Withdraw(const OfferRecord& record) {
  OfferTable::Get().Remove(record.nonce);
}

void HandleOffers::WithdrawAll() {
  OfferTable::Get().RemoveOwnedBy(owner_);
}

bool RefuseSocketInMessage(HANDLE os_handle, int64_t value, Error* error) {
  if (!HandleTraits::IsValid(os_handle) || !IsSocket(os_handle))
    return true;
  *error = Error::Make(codes::kInvalidRight,
                       "Handle " + std::to_string(value) +
                           " is a socket: channel messages do not carry "
                           "sockets yet; give sockets to a child through the "
                           "rendezvous (copy or move)");
  return false;
}

size_t OfferedHandleCount() {
  return OfferTable::Get().count();
}

}  // namespace rendezvous
