// MessageAssembler rebuilds messages from a peer's frames and refuses, with
// a reason, every frame that does not fit what came before it or what its
// header announces. Frames are written byte by byte here (frame_bytes.h),
// not with the core's encoder, so the layout itself is under test too.
#include <string>
#include <vector>

#include "core/channel_frames.h"
#include "frame_bytes.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

using frames::AssembledMessage;
using frames::MessageAssembler;
using frames::Outcome;

constexpr uint64_t kMaxMessage = 1000;
constexpr uint64_t kMaxText = 100;

MessageAssembler MakeAssembler() {
  return MessageAssembler(kMaxMessage, kMaxText);
}

std::vector<uint8_t> DataOf(const AssembledMessage& message) {
  return std::vector<uint8_t>(message.data.get(),
                              message.data.get() + message.size);
}

// Feeds `frame` (the case `what` describes) and expects it refused, with a
// reason.
void ExpectRefused(Failures& t,
                   const char* what,
                   MessageAssembler& assembler,
                   const std::vector<uint8_t>& frame,
                   size_t handle_count = 0) {
  AssembledMessage message;
  Fed fed = Feed(assembler, frame, handle_count, &message);
  if (fed.outcome != Outcome::kMalformed) {
    t.Add(__FILE__, __LINE__,
          std::string(what) + ": accepted (outcome " + Show(fed.outcome) +
              "), expected a refusal");
  } else if (fed.why.empty()) {
    t.Add(__FILE__, __LINE__, std::string(what) + ": refused with no reason");
  }
}

void AOneFrameMessageCompletesWithItsDescriptors(Failures& t) {
  MessageAssembler assembler = MakeAssembler();
  RawHeader header;
  header.flags = frames::kFlagText;
  header.handle_count = 2;
  header.value = 5;
  RawDescriptor fd;
  RawDescriptor memory;
  memory.kind = static_cast<uint32_t>(RightKind::kSharedMemory);
  memory.byte_length = 4096;
  std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
  AssembledMessage message;
  Fed fed = Feed(assembler, Frame(header, {fd, memory}, text), 2, &message);
  EXPECT_EQ(t, fed.outcome, Outcome::kComplete);
  EXPECT_TRUE(t, DataOf(message) == text);
  EXPECT_EQ(t, message.flags, frames::kFlagText);
  EXPECT_EQ(t, message.handles.size(), size_t{2});
  if (message.handles.size() == 2) {
    EXPECT_EQ(t, message.handles[0].kind, RightKind::kFd);
    EXPECT_EQ(t, message.handles[1].kind, RightKind::kSharedMemory);
    EXPECT_EQ(t, message.handles[1].byte_length, uint64_t{4096});
  }
  EXPECT_TRUE(t, !assembler.in_message());
}

void ChunksReassembleInOrder(Failures& t) {
  MessageAssembler assembler = MakeAssembler();
  std::vector<uint8_t> data = Pattern(300);
  auto part = [&](size_t from, size_t to) {
    return std::vector<uint8_t>(data.begin() + from, data.begin() + to);
  };
  AssembledMessage message;
  EXPECT_EQ(t,
            Feed(assembler, StartFrame(300, part(0, 100)), 0, &message).outcome,
            Outcome::kIncomplete);
  EXPECT_TRUE(t, assembler.in_message());
  EXPECT_EQ(t, assembler.remaining(), uint64_t{200});
  EXPECT_EQ(
      t, Feed(assembler, MoreFrame(100, part(100, 250)), 0, &message).outcome,
      Outcome::kIncomplete);
  EXPECT_EQ(t, assembler.remaining(), uint64_t{50});
  EXPECT_EQ(
      t, Feed(assembler, MoreFrame(250, part(250, 300)), 0, &message).outcome,
      Outcome::kComplete);
  EXPECT_TRUE(t, DataOf(message) == data);
  EXPECT_TRUE(t, !assembler.in_message());
  // And the next message starts afresh.
  AssembledMessage next;
  EXPECT_EQ(t, Feed(assembler, StartFrame(3, Pattern(3, 9)), 0, &next).outcome,
            Outcome::kComplete);
  EXPECT_TRUE(t, DataOf(next) == Pattern(3, 9));
}

void AnEmptyMessageCompletesAtItsStart(Failures& t) {
  MessageAssembler assembler = MakeAssembler();
  AssembledMessage message;
  EXPECT_EQ(t, Feed(assembler, StartFrame(0, {}), 0, &message).outcome,
            Outcome::kComplete);
  EXPECT_EQ(t, message.size, uint64_t{0});
  EXPECT_TRUE(t, !assembler.in_message());
}

// Puts `assembler` inside a 20-byte message whose first 10 bytes came.
void StartTwentyByteMessage(Failures& t, MessageAssembler& assembler) {
  AssembledMessage message;
  EXPECT_EQ(t,
            Feed(assembler, StartFrame(20, Pattern(10)), 0, &message).outcome,
            Outcome::kIncomplete);
}

void FramesOutOfOrderAreRefused(Failures& t) {
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "a continuation before any start", assembler,
                  MoreFrame(0, Pattern(10)));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    ExpectRefused(t, "a start inside a message", assembler, StartFrame(5, {}));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    ExpectRefused(t, "a continuation that skips ahead", assembler,
                  MoreFrame(15, Pattern(5)));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    ExpectRefused(t, "a continuation that goes back", assembler,
                  MoreFrame(5, Pattern(5)));
  }
}

void AMessageMustCarryTheHandlesItAnnounces(Failures& t) {
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "fewer handles than announced", assembler,
                  StartFrame(4, Pattern(4), 2), 1);
  }
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "handles where none are announced", assembler,
                  StartFrame(4, Pattern(4), 0), 1);
  }
  {
    const uint16_t too_many = frames::kMaxHandlesPerMessage + 1;
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "more handles than a message may carry", assembler,
                  StartFrame(0, {}, too_many), too_many);
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    ExpectRefused(t, "handles on a continuation", assembler,
                  MoreFrame(10, Pattern(10)), 1);
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    RawHeader header;
    header.type = frames::kMore;
    header.handle_count = 1;
    header.value = 10;
    ExpectRefused(t, "a continuation announcing handles", assembler,
                  Frame(header, {}, Pattern(10)));
  }
}

void MalformedDescriptorsAreRefused(Failures& t) {
  auto refuse = [&](const char* what, const RawDescriptor& descriptor) {
    MessageAssembler assembler = MakeAssembler();
    RawHeader header;
    header.handle_count = 1;
    ExpectRefused(t, what, assembler, Frame(header, {descriptor}, {}), 1);
  };
  RawDescriptor unknown_kind;
  unknown_kind.kind = kMaxRightKind + 1;
  refuse("an unknown kind", unknown_kind);
  RawDescriptor reserved;
  reserved.reserved = 1;
  refuse("a reserved field set", reserved);
  RawDescriptor sized_fd;
  sized_fd.byte_length = 10;
  refuse("a length on a descriptor", sized_fd);
  RawDescriptor unsized_memory;
  unsized_memory.kind = static_cast<uint32_t>(RightKind::kSharedMemory);
  refuse("shared memory without a length", unsized_memory);
}

void OversizeMessagesAreRefusedAtTheirStart(Failures& t) {
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "one byte over the limit", assembler,
                  StartFrame(kMaxMessage + 1, {}));
    EXPECT_TRUE(t, !assembler.in_message());
  }
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "a length no memory could hold", assembler,
                  StartFrame(~uint64_t{0}, {}));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "text over the text limit", assembler,
                  StartFrame(kMaxText + 1, {}, 0, frames::kFlagText));
  }
  {
    // The same length as bytes, not text, is within the limit.
    MessageAssembler assembler = MakeAssembler();
    AssembledMessage message;
    EXPECT_EQ(
        t, Feed(assembler, StartFrame(kMaxText + 1, {}), 0, &message).outcome,
        Outcome::kIncomplete);
  }
  {
    MessageAssembler assembler = MakeAssembler();
    AssembledMessage message;
    EXPECT_EQ(t,
              Feed(assembler, StartFrame(kMaxMessage, Pattern(kMaxMessage)), 0,
                   &message)
                  .outcome,
              Outcome::kComplete);
  }
}

void FramesThatDisagreeWithTheirLengthsAreRefused(Failures& t) {
  {
    MessageAssembler assembler = MakeAssembler();
    std::vector<uint8_t> frame = StartFrame(0, {});
    frame.resize(frames::kHeaderSize - 1);
    ExpectRefused(t, "shorter than a header", assembler, frame);
  }
  {
    MessageAssembler assembler = MakeAssembler();
    std::vector<uint8_t> frame = StartFrame(0, {}, 2);
    frame.resize(frame.size() - 1);
    ExpectRefused(t, "cut off inside its descriptors", assembler, frame, 2);
  }
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "more data inline than the message has", assembler,
                  StartFrame(4, Pattern(5)));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    ExpectRefused(t, "a continuation past the message's end", assembler,
                  MoreFrame(10, Pattern(11)));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    ExpectRefused(t, "a continuation without data", assembler,
                  MoreFrame(10, {}));
  }
  {
    // Within a message only a header may be read into the head: data there
    // would not be where the message keeps it.
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    std::vector<uint8_t> frame = MoreFrame(10, Pattern(10));
    AssembledMessage message;
    std::string why;
    EXPECT_EQ(
        t, assembler.Accept(frame.data(), frame.size(), 0, 0, &message, &why),
        Outcome::kMalformed);
  }
}

void WrongMagicTypeOrFlagsAreRefused(Failures& t) {
  RawHeader wrong_magic;
  wrong_magic.magic = frames::kMagic ^ 1;
  RawHeader unknown_type;
  unknown_type.type = 9;
  RawHeader unknown_flags;
  unknown_flags.flags = 2;
  for (const RawHeader& header : {wrong_magic, unknown_type, unknown_flags}) {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "a bad header", assembler, Frame(header, {}, {}));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    RawHeader flagged_more;
    flagged_more.type = frames::kMore;
    flagged_more.flags = frames::kFlagText;
    flagged_more.value = 10;
    ExpectRefused(t, "flags on a continuation", assembler,
                  Frame(flagged_more, {}, Pattern(10)));
  }
}

// A body released frame is a control frame between messages: it yields
// the id it names and no message; anywhere else, or with anything more, it
// is refused. A pooled body's start frame carries its id, and only that.
void BodyReleasedAndPooledBodyFrames(Failures& t) {
  {
    MessageAssembler assembler = MakeAssembler();
    AssembledMessage message;
    Fed fed = Feed(assembler, frames::EncodeBodyReleased(42), 0, &message);
    EXPECT_EQ(t, fed.outcome, Outcome::kBodyReleased);
    EXPECT_EQ(t, message.body_id, uint64_t{42});
    EXPECT_TRUE(t, !assembler.in_message());
  }
  {
    MessageAssembler assembler = MakeAssembler();
    ExpectRefused(t, "a release with a handle", assembler,
                  frames::EncodeBodyReleased(1), 1);
    MessageAssembler other = MakeAssembler();
    RawHeader flagged;
    flagged.type = frames::kBodyReleased;
    flagged.flags = 1;
    ExpectRefused(t, "a release with flags", other, Frame(flagged, {}, {}));
    MessageAssembler longer = MakeAssembler();
    RawHeader released;
    released.type = frames::kBodyReleased;
    ExpectRefused(t, "a release with data", longer,
                  Frame(released, {}, Pattern(8)));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    ExpectRefused(t, "a release within a message", assembler,
                  frames::EncodeBodyReleased(1));
  }
  {
    uint8_t pooled = frames::kFlagOutOfLine | frames::kFlagPooledBody;
    MessageAssembler assembler = MakeAssembler();
    AssembledMessage message;
    Fed fed = Feed(assembler, frames::EncodeStartHead(100, pooled, {}, 7), 1,
                   &message);
    EXPECT_EQ(t, fed.outcome, Outcome::kComplete);
    EXPECT_EQ(t, message.body_id, uint64_t{7});
    EXPECT_EQ(t, message.size, uint64_t{100});
    RawHeader no_id;
    no_id.flags = pooled;
    no_id.value = 100;
    MessageAssembler other = MakeAssembler();
    ExpectRefused(t, "a pooled body without its id", other,
                  Frame(no_id, {}, {}), 1);
    RawHeader pooled_only;
    pooled_only.flags = frames::kFlagPooledBody;
    pooled_only.value = 100;
    MessageAssembler third = MakeAssembler();
    ExpectRefused(t, "a pooled flag without out of line", third,
                  Frame(pooled_only, {}, Pattern(8)), 1);
  }
}

void ResetDropsAMessageInProgress(Failures& t) {
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    assembler.Reset();
    EXPECT_TRUE(t, !assembler.in_message());
    AssembledMessage message;
    EXPECT_EQ(t,
              Feed(assembler, StartFrame(2, Pattern(2)), 0, &message).outcome,
              Outcome::kComplete);
    EXPECT_TRUE(t, DataOf(message) == Pattern(2));
  }
  {
    MessageAssembler assembler = MakeAssembler();
    StartTwentyByteMessage(t, assembler);
    assembler.Reset();
    ExpectRefused(t, "the rest of a dropped message", assembler,
                  MoreFrame(10, Pattern(10)));
  }
}

}  // namespace

std::vector<UnitTest> MessageAssemblerTests() {
  const char* suite = "MessageAssembler";
  return {
      {suite, "a one-frame message completes with its handle descriptors",
       AOneFrameMessageCompletesWithItsDescriptors},
      {suite, "chunks reassemble in order, then the next message starts",
       ChunksReassembleInOrder},
      {suite, "an empty message completes at its start frame",
       AnEmptyMessageCompletesAtItsStart},
      {suite, "frames out of order or at the wrong offset are refused",
       FramesOutOfOrderAreRefused},
      {suite, "a message must carry exactly the handles it announces",
       AMessageMustCarryTheHandlesItAnnounces},
      {suite, "malformed handle descriptors are refused",
       MalformedDescriptorsAreRefused},
      {suite, "oversize messages and text are refused at their start frame",
       OversizeMessagesAreRefusedAtTheirStart},
      {suite, "frames that disagree with their lengths are refused",
       FramesThatDisagreeWithTheirLengthsAreRefused},
      {suite, "a wrong magic, type or flags is refused",
       WrongMagicTypeOrFlagsAreRefused},
      {suite, "body released and pooled body frames",
       BodyReleasedAndPooledBodyFrames},
      {suite, "reset drops a message in progress",
       ResetDropsAMessageInProgress},
  };
}

}  // namespace rendezvous::unit
