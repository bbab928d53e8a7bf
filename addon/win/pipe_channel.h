// Channels on Windows: one end of a message-mode named pipe opened for
// overlapped I/O. Each frame is one pipe message, so frame boundaries are
// the system's; a frame larger than the reader's buffer is reported
// truncated (ERROR_MORE_DATA), never joined to the next.
//
// Backpressure: one write at a time is outstanding. The pipe's buffer takes
// frames until it is full; a write that does not fit stays pending until
// the peer reads, and sends meanwhile return kWouldBlock, so a peer that
// never reads holds at most one frame of this end's memory.
//
// Reading never takes a frame before ReceiveFrame() asks for it: readiness
// comes from PeekNamedPipe or a zero-byte read (which in message mode takes
// nothing from a waiting message), so an end given up for transfer leaves
// nothing it read ahead behind.
//
// Handles: each pipe message starts with the count of its frame's handles
// and, if there are any, the offer that holds them (win/handle_offers.h):
// the sender keeps private copies behind a one-instance offer pipe, and
// ReceiveFrame(), in whichever process reads the frame, takes them from
// there itself. So a frame's handles follow the end that reads it, even an
// end that moved after the frame was written, and every handle received is
// one this process made. A frame whose handles cannot be taken fails the
// end (ERR_RENDEZVOUS_BAD_MESSAGE); the offers of frames the peer never
// read close when this end sees the peer closed.
#ifndef ADDON_WIN_PIPE_CHANNEL_H_
#define ADDON_WIN_PIPE_CHANNEL_H_

#include <memory>

#include "core/channel_transport.h"
#include "win/scoped_handle.h"

namespace rendezvous {

// The largest pipe message (a frame and its handle offer), and the size
// asked for each direction's pipe buffer.
inline constexpr size_t kPipeFrameBytes = 64 * 1024;

// Wraps `pipe`, a connected message-mode pipe end opened overlapped and set
// to read messages; null (with `error`) if its events cannot be made.
std::unique_ptr<ChannelTransport> NewPipeChannel(ScopedHandle pipe,
                                                 Error* error);

}  // namespace rendezvous

#endif  // ADDON_WIN_PIPE_CHANNEL_H_
