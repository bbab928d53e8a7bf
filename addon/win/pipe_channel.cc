#include "win/pipe_channel.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/channel_frames.h"
#include "win/handle_offers.h"
#include "win/host_descriptors.h"
#include "win/overlapped_io.h"
#include "win/pipe_event_source.h"
#include "win/win_error.h"

namespace rendezvous {

namespace {

// Every pipe message starts with the count of the handles its frame
// carries, then, if there are any, the offer that holds them; the frame's
// own bytes follow. This transport alone reads and writes that prefix.
constexpr size_t kCountBytes = 4;
constexpr size_t kMaxPrefixBytes =
    kCountBytes + kOfferFixedBytes +
    frames::kMaxHandlesPerFrame * kOfferedHandleBytes;

uint32_t ReadCount(const uint8_t* bytes) {
  return uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 |
         uint32_t{bytes[2]} << 16 | uint32_t{bytes[3]} << 24;
}

// The errors that mean the other end is gone.
bool IsPeerGone(DWORD os_error) {
  return os_error == ERROR_BROKEN_PIPE || os_error == ERROR_NO_DATA ||
         os_error == ERROR_PIPE_NOT_CONNECTED;
}

class PipeChannel : public ChannelTransport, private PipeReadiness {
 public:
  explicit PipeChannel(ScopedHandle pipe)
      : pipe_(std::move(pipe)),
        probe_(true),
        read_(false),
        write_(std::make_unique<WriteSlot>(kPipeFrameBytes)) {}

  bool ok() const { return probe_.ok() && read_.ok() && write_->op.ok(); }

  // The kernel may still write into the operations' memory until they
  // finish: the read is cancelled and waited for; the write's memory goes
  // with the end, once it is written (StopIo).
  ~PipeChannel() override { StopIo(); }

  std::unique_ptr<LoopEventSource> WatchOnLoop(EventLoop* loop,
                                               Error* error) override {
    return WatchPipeOnLoop(loop, this, error);
  }
  bool PollsWritable() const override { return true; }
  size_t max_frame_size() const override {
    return kPipeFrameBytes - kMaxPrefixBytes;
  }

  IoStatus SendFrame(const FrameBuffers& frame,
                     std::vector<OwnedHandle>* handles,
                     Error* error) override {
    const size_t size = frame.head_size + frame.tail_size;
    if (size > max_frame_size() ||
        handles->size() > frames::kMaxHandlesPerFrame) {
      *error = Error::Make(
          codes::kSystem, "A frame of " + std::to_string(size) + " bytes and " +
                              std::to_string(handles->size()) +
                              " handles exceeds the channel's " +
                              std::to_string(max_frame_size()) + " and " +
                              std::to_string(frames::kMaxHandlesPerFrame));
      return IoStatus::kFailed;
    }
    if (!RefuseSockets(*handles, error))
      return IoStatus::kFailed;
    OverlappedOp& write = write_->op;
    if (write.outstanding()) {
      if (!write.completed())
        return IoStatus::kWouldBlock;
      DWORD bytes = 0;
      DWORD os_error = 0;
      const bool written = write.TakeResult(pipe_.get(), &bytes, &os_error);
      OfferRecord last = std::move(last_offer_);
      last_offer_ = OfferRecord();
      if (!written) {
        // The frame never went: nobody can take its offer (a peer that
        // is gone has all of this end's withdrawn by WriteFailed).
        if (!last.handles.empty() && !IsPeerGone(os_error))
          offers_.Withdraw(last);
        return WriteFailed(os_error, error);
      }
    }
    std::vector<uint8_t> prefix;
    OfferRecord offer;
    const size_t count = handles->size();
    if (!OfferHandles(*handles, &offer, &prefix, error))
      return IoStatus::kFailed;
    uint8_t* buffer = write_->buffer.data();
    std::memcpy(buffer, prefix.data(), prefix.size());
    std::memcpy(buffer + prefix.size(), frame.head, frame.head_size);
    if (frame.tail_size > 0) {
      std::memcpy(buffer + prefix.size() + frame.head_size, frame.tail,
                  frame.tail_size);
    }
    const DWORD message = static_cast<DWORD>(prefix.size() + size);
    DWORD os_error = ERROR_IO_PENDING;
    if (!::WriteFile(pipe_.get(), buffer, message, nullptr, write.Begin()))
      os_error = ::GetLastError();
    if (os_error != ERROR_IO_PENDING) {
      if (count > 0)
        offers_.Withdraw(offer);
      return WriteFailed(os_error, error);
    }
    // Done at once or pending: its result is taken like a pending one.
    write.set_outstanding(true);
    last_offer_ = std::move(offer);
    // The offer holds copies of its own; the originals were the message's.
    handles->clear();
    return IoStatus::kDone;
  }

  IoStatus ReceiveFrame(const FrameBuffers& frame,
                        size_t max_handles,
                        ReceivedFrame* out,
                        Error* error) override {
    if (probe_.outstanding()) {
      if (!probe_.completed())
        return IoStatus::kWouldBlock;
      DWORD bytes = 0;
      DWORD os_error = 0;
      if (probe_.TakeResult(pipe_.get(), &bytes, &os_error)) {
        // The zero-byte read took a whole message: an empty one, which no
        // sender of ours writes; it goes on as a frame too short to decode.
        out->size = 0;
        return IoStatus::kDone;
      }
      if (os_error == ERROR_MORE_DATA)
        return ReadMessage(frame, max_handles, out, error);
      if (os_error != ERROR_OPERATION_ABORTED)
        return ReadFailed("ReadFile", os_error, error);
    }
    DWORD available = 0;
    if (!::PeekNamedPipe(pipe_.get(), nullptr, 0, nullptr, &available,
                         nullptr)) {
      return ReadFailed("PeekNamedPipe", ::GetLastError(), error);
    }
    if (available > 0)
      return ReadMessage(frame, max_handles, out, error);
    DWORD os_error = ERROR_SUCCESS;
    if (PostProbe(&os_error))  // it finished at once
      return ReceiveFrame(frame, max_handles, out, error);
    if (os_error == ERROR_IO_PENDING)
      return IoStatus::kWouldBlock;
    return ReadFailed("ReadFile", os_error, error);
  }

  // A frame still being written goes out with the end, as a socket's
  // queued bytes would: its write is left to finish (only the read that
  // watched for frames is cancelled, having taken nothing).
  OwnedHandle ReleaseEndpoint() override {
    probe_.CancelAndWait(pipe_.get());
    FreeWhenWritten(pipe_.get(), std::move(write_));
    return OwnedHandle(HandleValue(pipe_.release()), RightKind::kChannel);
  }

 private:
  // A socket moved into the message (a copied one was refused before it
  // was duplicated): see RefuseSocketInMessage.
  static bool RefuseSockets(const std::vector<OwnedHandle>& handles,
                            Error* error) {
    for (const OwnedHandle& handle : handles) {
      if (handle.kind() == RightKind::kFd &&
          !RefuseSocketInMessage(HostOsHandleOf(handle.get()), handle.get(),
                                 error)) {
        return false;
      }
      if (handle.kind() == RightKind::kHandle &&
          !RefuseSocketInMessage(HandleFromValue(handle.get()), handle.get(),
                                 error)) {
        return false;
      }
    }
    return true;
  }

  // The message's prefix: the handle count and, if there are handles, the
  // offer they were put in. They go on offer before the frame is written:
  // once it is in the pipe, its reader may look for them at any moment.
  bool OfferHandles(const std::vector<OwnedHandle>& handles,
                    OfferRecord* offer,
                    std::vector<uint8_t>* prefix,
                    Error* error) {
    const uint32_t count = static_cast<uint32_t>(handles.size());
    for (int i = 0; i < 4; ++i)
      prefix->push_back(static_cast<uint8_t>(count >> (8 * i)));
    if (count == 0)
      return true;
    if (!offers_.Offer(handles, offer, error))
      return false;
    EncodeOfferRecord(*offer, prefix);
    return true;
  }

  HANDLE read_event() const override { return probe_.event(); }
  HANDLE write_event() const override { return write_->op.event(); }

  bool PollReadable() override {
    if (probe_.outstanding())
      return probe_.completed();
    DWORD available = 0;
    if (!::PeekNamedPipe(pipe_.get(), nullptr, 0, nullptr, &available,
                         nullptr) ||
        available > 0) {
      return true;  // a frame, or a failure for ReceiveFrame to report
    }
    DWORD os_error = ERROR_SUCCESS;
    return PostProbe(&os_error) || os_error != ERROR_IO_PENDING ||
           probe_.completed();
  }

  bool PollWritable() override { return write_->op.completed(); }
  bool WriteFoundPeerGone() override {
    return IsPeerGone(write_->op.PeekError(pipe_.get()));
  }

  // Posts the zero-byte read that completes when a message (or the end of
  // the stream) arrives. True if it finished at once (its result is then
  // ReceiveFrame's); else `*os_error` is ERROR_IO_PENDING (outstanding) or
  // why it failed.
  bool PostProbe(DWORD* os_error) {
    if (::ReadFile(pipe_.get(), probe_byte_, 0, nullptr, probe_.Begin())) {
      probe_.set_outstanding(true);
      return true;
    }
    *os_error = ::GetLastError();
    if (*os_error == ERROR_IO_PENDING || *os_error == ERROR_MORE_DATA) {
      probe_.set_outstanding(true);
      return *os_error == ERROR_MORE_DATA;
    }
    return false;
  }

  // Reads the waiting message: its handle count and offer, then the frame,
  // whose handles are then taken from their sender, here, by this process:
  // whoever reads the frame, wherever the end has been since it was sent.
  IoStatus ReadMessage(const FrameBuffers& frame,
                       size_t max_handles,
                       ReceivedFrame* out,
                       Error* error) {
    uint8_t count_bytes[kCountBytes] = {};
    DWORD read = 0;
    DWORD os_error = 0;
    // A message that ends in its prefix has no frame: one too short to
    // decode (no sender of ours writes it), with no handles taken.
    if (ReadPart(count_bytes, sizeof count_bytes, &read, &os_error)) {
      out->size = 0;
      return IoStatus::kDone;
    }
    if (os_error != ERROR_MORE_DATA)
      return ReadFailed("ReadFile", os_error, error);
    const uint32_t count = ReadCount(count_bytes);
    if (count > frames::kMaxHandlesPerFrame) {
      // Not read further: the end fails, and the sender's offer goes when
      // it sees this end closed.
      out->handles_truncated = true;
      return IoStatus::kDone;
    }
    OfferRecord offer;
    if (count > 0) {
      std::vector<uint8_t> bytes(kOfferFixedBytes +
                                 count * kOfferedHandleBytes);
      if (ReadPart(bytes.data(), bytes.size(), &read, &os_error)) {
        out->size = 0;
        return IoStatus::kDone;
      }
      if (os_error != ERROR_MORE_DATA)
        return ReadFailed("ReadFile", os_error, error);
      DecodeOfferRecord(bytes.data(), count, &offer);
    }
    IoStatus status = ReadFrameBytes(frame, out, error);
    if (status != IoStatus::kDone || count == 0 || out->truncated)
      return status;
    if (count > max_handles) {
      out->handles_truncated = true;
      return status;
    }
    if (!PullOfferedHandles(offer, &out->handles, error))
      return IoStatus::kFailed;
    return status;
  }

  // Reads the frame's bytes: the first into the head, the rest (a further
  // read of the same message) into the tail.
  IoStatus ReadFrameBytes(const FrameBuffers& frame,
                          ReceivedFrame* out,
                          Error* error) {
    DWORD head = 0;
    DWORD os_error = 0;
    if (ReadPart(frame.head, frame.head_size, &head, &os_error)) {
      out->size = head;
      return IoStatus::kDone;
    }
    if (os_error != ERROR_MORE_DATA)
      return ReadFailed("ReadFile", os_error, error);
    DWORD tail = 0;
    if (frame.tail_size > 0 &&
        ReadPart(frame.tail, frame.tail_size, &tail, &os_error)) {
      // More data means the head was filled.
      out->size = frame.head_size + tail;
      return IoStatus::kDone;
    }
    if (frame.tail_size > 0 && os_error != ERROR_MORE_DATA)
      return ReadFailed("ReadFile", os_error, error);
    // Larger than both buffers: the rest stays unread, as the end fails.
    out->size = frame.head_size + frame.tail_size + 1;
    out->truncated = true;
    return IoStatus::kDone;
  }

  bool ReadPart(uint8_t* buffer, size_t size, DWORD* bytes, DWORD* os_error) {
    if (::ReadFile(pipe_.get(), buffer, static_cast<DWORD>(size), nullptr,
                   read_.Begin()) ||
        ::GetLastError() == ERROR_IO_PENDING ||
        ::GetLastError() == ERROR_MORE_DATA) {
      // The message is there, so this finishes at once; its result is
      // read (and waited for, were it still pending) the same way.
      read_.set_outstanding(true);
      return read_.Finish(pipe_.get(), bytes, os_error);
    }
    *os_error = ::GetLastError();
    return false;
  }

  // A peer that is gone reads nothing more: the offers of the frames it
  // left unread are closed.
  IoStatus ReadFailed(const char* call, DWORD os_error, Error* error) {
    if (IsPeerGone(os_error)) {
      offers_.WithdrawAll();
      return IoStatus::kPeerClosed;
    }
    *error = WindowsError(call, os_error, "Could not read from a channel");
    return IoStatus::kFailed;
  }

  IoStatus WriteFailed(DWORD os_error, Error* error) {
    if (IsPeerGone(os_error)) {
      offers_.WithdrawAll();
      return IoStatus::kPeerClosed;
    }
    *error = WindowsError("WriteFile", os_error, "Could not send on a channel");
    return IoStatus::kFailed;
  }

  // A frame still being written goes out as a closed socket's queued bytes
  // do (postMessage accepted it): the end is closed once its write ends,
  // when the peer reads it or goes. Only the watching read is cancelled.
  void StopIo() {
    if (!pipe_)
      return;
    probe_.CancelAndWait(pipe_.get());
    HANDLE pipe = pipe_.get();
    write_->close_when_written = std::move(pipe_);
    FreeWhenWritten(pipe, std::move(write_));
  }

  ScopedHandle pipe_;
  OverlappedOp probe_;  // the zero-byte read, watched by the event source
  OverlappedOp read_;   // reads of a message known to be waiting
  std::unique_ptr<WriteSlot> write_;  // the one outstanding write, watched
  OfferRecord last_offer_;  // that write's offer, withdrawn if it fails
  HandleOffers offers_;     // of the frames this end sent with handles

  uint8_t probe_byte_[1] = {0};
};

}  // namespace

std::unique_ptr<ChannelTransport> NewPipeChannel(ScopedHandle pipe,
                                                 Error* error) {
  auto channel = std::make_unique<PipeChannel>(std::move(pipe));
  if (!channel->ok()) {
    *error = LastWindowsError("CreateEventW", "Could not set up a channel");
    return nullptr;
  }
  return channel;
}

}  // namespace rendezvous
