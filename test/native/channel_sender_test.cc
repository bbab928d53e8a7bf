// ChannelSender cuts messages into frames the transport can carry, sends
// what the transport takes now and queues its own copy of the rest, resumes
// exactly where the transport stopped, keeps messages in order, and hands
// each message's handles over with its first frame (or releases them once
// when the message is dropped). What it sent is read back with the core's
// MessageAssembler, as the peer would.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/channel_sender.h"
#include "fake_channel_transport.h"
#include "frame_bytes.h"
#include "handle_log.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

// Small frames, so a few hundred bytes make a multi-frame message: 48 data
// bytes in a start frame without handles, 48 in each more frame.
constexpr size_t kFrameSize = 64;

struct Reassembled {
  std::vector<frames::AssembledMessage> messages;
  std::string malformed;  // why the frames did not reassemble, if they did not
  bool incomplete = false;
};

Reassembled Reassemble(const FakeChannelTransport& transport) {
  frames::MessageAssembler assembler(1 << 20, 1 << 20);
  Reassembled result;
  for (const SentFrame& frame : transport.frames()) {
    std::vector<uint8_t> bytes = frame.head;
    bytes.insert(bytes.end(), frame.tail.begin(), frame.tail.end());
    frames::AssembledMessage message;
    Fed fed = Feed(assembler, bytes, frame.handles.size(), &message);
    if (fed.outcome == frames::Outcome::kMalformed) {
      result.malformed = fed.why;
      return result;
    }
    if (fed.outcome == frames::Outcome::kComplete)
      result.messages.push_back(std::move(message));
  }
  result.incomplete = assembler.in_message();
  return result;
}

std::vector<uint8_t> DataOf(const frames::AssembledMessage& message) {
  return std::vector<uint8_t>(message.data.get(),
                              message.data.get() + message.size);
}

// Reads back what `transport` was sent and expects exactly the messages
// `expected`, whole and in order; returns them for further checks.
Reassembled ExpectDelivered(Failures& t,
                            const FakeChannelTransport& transport,
                            const std::vector<std::vector<uint8_t>>& expected) {
  Reassembled got = Reassemble(transport);
  EXPECT_EQ(t, got.malformed, std::string());
  EXPECT_TRUE(t, !got.incomplete);
  EXPECT_EQ(t, got.messages.size(), expected.size());
  for (size_t i = 0; i < got.messages.size() && i < expected.size(); ++i) {
    if (DataOf(got.messages[i]) != expected[i])
      t.Add(__FILE__, __LINE__, "message " + Show(i) + " arrived changed");
  }
  return got;
}

IoStatus SendBytes(ChannelSender& sender,
                   const std::vector<uint8_t>& data,
                   FakeChannelTransport& transport,
                   std::vector<OwnedHandle> handles = {}) {
  Error error;
  return sender.Send(data.data(), data.size(), 0, std::move(handles),
                     &transport, &error);
}

std::vector<OwnedHandle> Handles(std::initializer_list<int64_t> values) {
  std::vector<OwnedHandle> handles;
  for (int64_t value : values)
    handles.emplace_back(value, RightKind::kFd);
  return handles;
}

void AMessageThatFitsGoesOutInOneFrameAtOnce(Failures& t) {
  FakeChannelTransport transport(kFrameSize);
  ChannelSender sender;
  std::vector<uint8_t> data = Pattern(20);
  EXPECT_EQ(t, SendBytes(sender, data, transport), IoStatus::kDone);
  EXPECT_EQ(t, transport.frames().size(), size_t{1});
  EXPECT_TRUE(t, sender.empty());
  EXPECT_EQ(t, sender.queued_bytes(), uint64_t{0});
  ExpectDelivered(t, transport, {data});
}

void ALargeMessageIsCutIntoFramesTheTransportTakes(Failures& t) {
  FakeChannelTransport transport(kFrameSize);
  ChannelSender sender;
  std::vector<uint8_t> data = Pattern(200);
  EXPECT_EQ(t, SendBytes(sender, data, transport), IoStatus::kDone);
  // 48 + 48 + 48 + 48 + 8 bytes.
  EXPECT_EQ(t, transport.frames().size(), size_t{5});
  for (const SentFrame& frame : transport.frames())
    EXPECT_TRUE(t, frame.head.size() + frame.tail.size() <= kFrameSize);
  ExpectDelivered(t, transport, {data});
}

void ABlockedSendQueuesACopyAndResumesWhereItStopped(Failures& t) {
  FakeChannelTransport transport(kFrameSize);
  ChannelSender sender;
  std::vector<uint8_t> data = Pattern(200);
  const std::vector<uint8_t> original = data;
  transport.TakeFrames(2);
  EXPECT_EQ(t, SendBytes(sender, data, transport), IoStatus::kDone);
  EXPECT_EQ(t, transport.frames().size(), size_t{2});
  EXPECT_EQ(t, sender.queued_messages(), size_t{1});
  EXPECT_EQ(t, sender.queued_bytes(), uint64_t{200 - 2 * 48});
  // The caller's buffer need only live for the call.
  std::fill(data.begin(), data.end(), 0);

  Error error;
  EXPECT_EQ(t, sender.Flush(&transport, &error), IoStatus::kWouldBlock);
  EXPECT_EQ(t, transport.frames().size(), size_t{2});
  EXPECT_EQ(t, sender.queued_bytes(), uint64_t{104});
  transport.TakeFrames(1);
  EXPECT_EQ(t, sender.Flush(&transport, &error), IoStatus::kWouldBlock);
  EXPECT_EQ(t, sender.queued_bytes(), uint64_t{56});
  transport.TakeAll();
  EXPECT_EQ(t, sender.Flush(&transport, &error), IoStatus::kDone);
  EXPECT_TRUE(t, sender.empty());
  EXPECT_EQ(t, sender.queued_bytes(), uint64_t{0});
  ExpectDelivered(t, transport, {original});
}

void AMessageRefusedWholeIsQueuedWhole(Failures& t) {
  FakeChannelTransport transport(kFrameSize);
  ChannelSender sender;
  transport.TakeFrames(0);
  EXPECT_EQ(t, SendBytes(sender, Pattern(100), transport), IoStatus::kDone);
  EXPECT_EQ(t, transport.frames().size(), size_t{0});
  EXPECT_EQ(t, sender.queued_bytes(), uint64_t{100});
  transport.TakeAll();
  Error error;
  EXPECT_EQ(t, sender.Flush(&transport, &error), IoStatus::kDone);
  ExpectDelivered(t, transport, {Pattern(100)});
}

void MessagesBehindAQueuedOneWaitTheirTurn(Failures& t) {
  FakeChannelTransport transport(kFrameSize);
  ChannelSender sender;
  transport.TakeFrames(1);
  EXPECT_EQ(t, SendBytes(sender, Pattern(200, 1), transport), IoStatus::kDone);
  // Room again, but the first message is not finished: the second must not
  // slip in between its frames.
  transport.TakeFrames(1);
  EXPECT_EQ(t, SendBytes(sender, Pattern(10, 2), transport), IoStatus::kDone);
  EXPECT_EQ(t, transport.frames().size(), size_t{1});
  EXPECT_EQ(t, sender.queued_messages(), size_t{2});
  EXPECT_EQ(t, sender.queued_bytes(), uint64_t{152 + 10});
  transport.TakeAll();
  Error error;
  EXPECT_EQ(t, sender.Flush(&transport, &error), IoStatus::kDone);
  ExpectDelivered(t, transport, {Pattern(200, 1), Pattern(10, 2)});
}

void HandlesRideTheFirstFrameAndStayTheSendersUntilThen(Failures& t) {
  ScopedHandleLog log;
  {
    FakeChannelTransport transport(kFrameSize);
    ChannelSender sender;
    transport.TakeFrames(0);
    EXPECT_EQ(t, SendBytes(sender, Pattern(100), transport, Handles({11, 12})),
              IoStatus::kDone);
    EXPECT_EQ(t, log.total_releases(), 0);
    transport.TakeAll();
    Error error;
    EXPECT_EQ(t, sender.Flush(&transport, &error), IoStatus::kDone);
    EXPECT_TRUE(t, transport.frames().size() > 1);
    for (size_t i = 0; i < transport.frames().size(); ++i) {
      EXPECT_EQ(t, transport.frames()[i].handles.size(),
                size_t{i == 0 ? 2u : 0u});
    }
    if (!transport.frames().empty() &&
        transport.frames()[0].handles.size() == 2) {
      EXPECT_EQ(t, transport.frames()[0].handles[0].get(), int64_t{11});
      EXPECT_EQ(t, transport.frames()[0].handles[1].get(), int64_t{12});
    }
    Reassembled got = ExpectDelivered(t, transport, {Pattern(100)});
    if (got.messages.size() == 1)
      EXPECT_EQ(t, got.messages[0].handles.size(), size_t{2});
    // Handed over, not released: the message owns them now.
    EXPECT_EQ(t, log.total_releases(), 0);
  }
  EXPECT_EQ(t, log.releases_of(11), 1);
  EXPECT_EQ(t, log.releases_of(12), 1);
}

void ClearingTheQueueReleasesItsHandlesOnce(Failures& t) {
  ScopedHandleLog log;
  {
    FakeChannelTransport transport(kFrameSize);
    ChannelSender sender;
    transport.TakeFrames(0);
    EXPECT_EQ(t, SendBytes(sender, Pattern(30), transport, Handles({21})),
              IoStatus::kDone);
    EXPECT_EQ(t, SendBytes(sender, Pattern(30), transport, Handles({22})),
              IoStatus::kDone);
    sender.Clear();
    EXPECT_TRUE(t, sender.empty());
    EXPECT_EQ(t, sender.queued_bytes(), uint64_t{0});
    EXPECT_EQ(t, log.releases_of(21), 1);
    EXPECT_EQ(t, log.releases_of(22), 1);
    // Nothing of the dropped messages goes out later.
    transport.TakeAll();
    Error error;
    EXPECT_EQ(t, sender.Flush(&transport, &error), IoStatus::kDone);
    EXPECT_EQ(t, transport.frames().size(), size_t{0});
  }
  EXPECT_EQ(t, log.total_releases(), 2);
}

void AnEndedTransportEndsTheSendAndReleasesItsHandlesOnce(Failures& t) {
  ScopedHandleLog log;
  ChannelSender sender;
  FakeChannelTransport closed(kFrameSize);
  closed.EndWith(IoStatus::kPeerClosed);
  Error error;
  std::vector<uint8_t> data = Pattern(10);
  EXPECT_EQ(
      t,
      sender.Send(data.data(), data.size(), 0, Handles({31}), &closed, &error),
      IoStatus::kPeerClosed);
  EXPECT_EQ(t, log.releases_of(31), 1);
  EXPECT_TRUE(t, sender.empty());

  FakeChannelTransport broken(kFrameSize);
  broken.TakeFrames(1);
  EXPECT_EQ(t, SendBytes(sender, Pattern(100), broken), IoStatus::kDone);
  broken.EndWith(IoStatus::kFailed);
  EXPECT_EQ(t, sender.Flush(&broken, &error), IoStatus::kFailed);
  EXPECT_TRUE(t, !error.code.empty());
}

void AnEmptyMessageIsOneStartFrame(Failures& t) {
  FakeChannelTransport transport(kFrameSize);
  ChannelSender sender;
  Error error;
  EXPECT_EQ(t,
            sender.Send(nullptr, 0, frames::kFlagText, {}, &transport, &error),
            IoStatus::kDone);
  EXPECT_EQ(t, transport.frames().size(), size_t{1});
  Reassembled got = ExpectDelivered(t, transport, {std::vector<uint8_t>()});
  if (got.messages.size() == 1) {
    EXPECT_EQ(t, got.messages[0].size, uint64_t{0});
    EXPECT_EQ(t, got.messages[0].flags, frames::kFlagText);
  }
}

}  // namespace

std::vector<UnitTest> ChannelSenderTests() {
  const char* suite = "ChannelSender";
  return {
      {suite, "a message that fits goes out in one frame at once",
       AMessageThatFitsGoesOutInOneFrameAtOnce},
      {suite, "a large message is cut into frames the transport takes",
       ALargeMessageIsCutIntoFramesTheTransportTakes},
      {suite, "a blocked send queues its own copy and resumes where it stopped",
       ABlockedSendQueuesACopyAndResumesWhereItStopped},
      {suite, "a message refused whole is queued whole",
       AMessageRefusedWholeIsQueuedWhole},
      {suite, "messages behind a queued one wait their turn",
       MessagesBehindAQueuedOneWaitTheirTurn},
      {suite, "handles ride the first frame and stay the sender's until then",
       HandlesRideTheFirstFrameAndStayTheSendersUntilThen},
      {suite, "clearing the queue releases its handles once",
       ClearingTheQueueReleasesItsHandlesOnce},
      {suite,
       "a closed or broken transport ends the send; its handles are released "
       "once",
       AnEndedTransportEndsTheSendAndReleasesItsHandlesOnce},
      {suite, "an empty message is one start frame",
       AnEmptyMessageIsOneStartFrame},
  };
}

}  // namespace rendezvous::unit
