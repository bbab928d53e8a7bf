// Handles carried by channel messages on Windows: offered by the sender,
// pulled by whichever process reads the frame.
//
// A channel end can move to another process (at launch, or in a message)
// while its peer is writing, so the process that will read a frame is not
// known when the frame is written: duplicating handles into the last known
// holder would misdeliver them in that race. And a reader could not tell a
// value its peer pushed into its handle table from a handle it already
// owned. So the sender keeps private copies of a frame's handles behind a
// one-instance offer pipe,
//
//   \\.\pipe\electron-port-rendezvous.HandleOffer.<sender pid>.<32 hex>
//
// (FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_REJECT_REMOTE_CLIENTS, this user's
// DACL), and the frame names the pipe and the values. The reader opens the
// pipe, checks that the system's idea of its server is the pid in the name,
// reads the list of values and kinds the server writes it (bounded), and
// refuses the frame unless the frame's copy is the same: the pid check
// only proves who made the pipe, and a peer may name any offer it has
// seen (one of the reader's own, sent to it) with other values. It then
// duplicates each listed value out of that process itself and writes one
// byte; the sender, served off the JS thread by a thread-pool wait, then
// closes its copies and the pipe. Every handle a reader ends with was made
// by its own DuplicateHandle, so it is certainly new and its own.
//
// Lifetime: an offer lives until it is taken (or its reader goes), until
// the end that made it sees its peer closed (nobody can read the frame any
// more), or until this process exits. An offer made on an end that was
// later given away or closed lives until taken or until exit: its frame may
// still be read. At most kMaxOfferedHandles handles are on offer at once.
//
// The reader needs PROCESS_DUP_HANDLE on the sender: true for Electron's
// utility processes (not sandboxed), not for a sandboxed renderer.
#ifndef ADDON_WIN_HANDLE_OFFERS_H_
#define ADDON_WIN_HANDLE_OFFERS_H_

#include <windows.h>
#include <cstddef>

#include <cstdint>
#include <vector>

#include "core/channel_transport.h"
#include "core/endpoint_name.h"
#include "core/error.h"
#include "core/owned_handle.h"

namespace rendezvous {

inline constexpr char kOfferPipePrefix[] =
    "\\\\.\\pipe\\electron-port-rendezvous.HandleOffer";

// The most handles this process keeps on offer at once; a send past it is
// refused (ERR_RENDEZVOUS_QUEUE_FULL) until readers take some.
inline constexpr size_t kMaxOfferedHandles = 4096;

// One handle as a frame names it: the value in the sender's table and its
// kind (a descriptor travels as the OS handle behind it).
struct OfferedHandle {
  uint64_t value = 0;
  uint32_t kind = 0;
};

// What a frame says about its offer.
struct OfferRecord {
  uint32_t pid = 0;
  EndpointNonce nonce{};
  std::vector<OfferedHandle> handles;
};

// The record's bytes after the frame's leading count: pid, nonce, then
// each handle's value and kind.
inline constexpr size_t kOfferFixedBytes = 4 + sizeof(EndpointNonce);
inline constexpr size_t kOfferedHandleBytes = 8 + 4;
void EncodeOfferRecord(const OfferRecord& record, std::vector<uint8_t>* out);
// Just the handles' values and kinds, as the record has them: also what an
// offer's server writes to its reader, the list the reader takes by.
void EncodeOfferedHandles(const std::vector<OfferedHandle>& handles,
                          std::vector<uint8_t>* out);
void DecodeOfferedHandles(const uint8_t* bytes,
                          uint32_t count,
                          std::vector<OfferedHandle>* handles);
void DecodeOfferRecord(const uint8_t* bytes,
                       uint32_t count,
                       OfferRecord* record);

// The offers one channel end made. Thread use: the end's thread; the
// serving runs on the thread pool.
class HandleOffers {
 public:
  HandleOffers();
  HandleOffers(const HandleOffers&) = delete;
  HandleOffers& operator=(const HandleOffers&) = delete;
  // Leaves the offers to be taken (the end was closed or given away).
  ~HandleOffers();

  // Offers private copies of `handles` (left untouched: the caller closes
  // them once the frame is sent) under a new pipe, named by `*record`.
  bool Offer(const std::vector<OwnedHandle>& handles,
             OfferRecord* record,
             Error* error);
  // Closes the offer `record` names, if still there (its frame never went).
  void Withdraw(const OfferRecord& record);
  // Closes every offer of this end not yet taken: its peer is gone.
  void WithdrawAll();

 private:
  uint64_t owner_;
};

// False (with ERR_RENDEZVOUS_INVALID_RIGHT in `error`) if `os_handle`, the
// OS handle behind `value`, is a socket: a socket would travel by
// DuplicateHandle, which breaks sockets of layered providers
// (win/socket_rights.h), so channel messages do not carry them yet.
bool RefuseSocketInMessage(HANDLE os_handle, int64_t value, Error* error);

// How many handles this process has on offer (for tests and budgets).
size_t OfferedHandleCount();

// Takes the handles `record` names from its sender into this process, with
// their kinds. All or nothing: on failure nothing pulled stays open, and
// `error` (ERR_RENDEZVOUS_BAD_MESSAGE) says why.
bool PullOfferedHandles(const OfferRecord& record,
                        ReceivedHandles* handles,
                        Error* error);

}  // namespace rendezvous

#endif  // ADDON_WIN_HANDLE_OFFERS_H_
