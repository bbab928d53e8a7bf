// ScopedGeneric frees each value it owns exactly once, with the state the
// value came with, and never one it gave up or never owned.
#include <string>
#include <vector>

#include "core/scoped_generic.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

// Records every free, with the state it was freed with. Values below zero
// own nothing, -1 is the empty one.
struct RecordingTraits {
  static int InvalidValue() { return -1; }
  static bool IsValid(int value) { return value >= 0; }
  void Free(int value) const {
    freed->push_back(std::string(tag) + ":" + std::to_string(value));
  }

  std::vector<std::string>* freed = nullptr;
  const char* tag = "";
};

using Owner = ScopedGeneric<int, RecordingTraits>;

// Without IsValid: only InvalidValue() owns nothing.
struct PlainTraits {
  static int InvalidValue() { return 0; }
  void Free(int value) const { freed->push_back(std::to_string(value)); }
  std::vector<std::string>* freed = nullptr;
};

using Freed = std::vector<std::string>;

std::string Joined(const Freed& freed) {
  std::string text;
  for (const std::string& entry : freed)
    text += (text.empty() ? "" : ",") + entry;
  return text;
}

void StartsEmptyAndFreesNothing(Failures& t) {
  Owner owner;
  EXPECT_TRUE(t, !owner.is_valid());
  EXPECT_TRUE(t, !owner);
  EXPECT_EQ(t, owner.get(), -1);
}

void DestructionFreesOnce(Failures& t) {
  Freed freed;
  { Owner owner(7, {&freed, "a"}); }
  EXPECT_EQ(t, Joined(freed), "a:7");
}

void MoveConstructionEmptiesTheSource(Failures& t) {
  Freed freed;
  {
    Owner source(3, {&freed, "a"});
    Owner moved(std::move(source));
    EXPECT_EQ(t, source.get(), -1);
    EXPECT_TRUE(t, !source.is_valid());
    EXPECT_EQ(t, moved.get(), 3);
    EXPECT_EQ(t, moved.traits().tag, std::string("a"));
  }
  EXPECT_EQ(t, Joined(freed), "a:3");
}

void MoveAssignmentFreesTheOldValueWithItsState(Failures& t) {
  Freed freed;
  {
    Owner target(1, {&freed, "old"});
    Owner source(2, {&freed, "new"});
    target = std::move(source);
    EXPECT_EQ(t, Joined(freed), "old:1");
    EXPECT_EQ(t, target.get(), 2);
    EXPECT_EQ(t, source.get(), -1);
  }
  // The value moved in is freed with the state it came with.
  EXPECT_EQ(t, Joined(freed), "old:1,new:2");
}

void MoveOntoItselfKeepsTheValue(Failures& t) {
  Freed freed;
  {
    Owner owner(4, {&freed, "a"});
    Owner& same = owner;
    owner = std::move(same);
    EXPECT_EQ(t, owner.get(), 4);
    EXPECT_TRUE(t, freed.empty());
  }
  EXPECT_EQ(t, Joined(freed), "a:4");
}

void ReleaseGivesTheValueUpUnfreed(Failures& t) {
  Freed freed;
  {
    Owner owner(5, {&freed, "a"});
    EXPECT_EQ(t, owner.release(), 5);
    EXPECT_TRUE(t, !owner.is_valid());
  }
  EXPECT_TRUE(t, freed.empty());
}

void ResetFreesThenHoldsTheNewValue(Failures& t) {
  Freed freed;
  Owner owner(1, {&freed, "a"});
  owner.reset(2);
  EXPECT_EQ(t, Joined(freed), "a:1");
  EXPECT_EQ(t, owner.get(), 2);
  owner.reset();
  EXPECT_EQ(t, Joined(freed), "a:1,a:2");
  EXPECT_TRUE(t, !owner.is_valid());
  owner.reset();
  EXPECT_EQ(t, freed.size(), size_t{2});
}

// What a call writes through receive() is owned from then on.
void ReceiveFreesFirstThenOwnsWhatIsWritten(Failures& t) {
  Freed freed;
  {
    Owner owner(1, {&freed, "a"});
    int* out = owner.receive();
    EXPECT_EQ(t, Joined(freed), "a:1");
    EXPECT_EQ(t, *out, -1);
    *out = 9;
    EXPECT_EQ(t, owner.get(), 9);
  }
  EXPECT_EQ(t, Joined(freed), "a:1,a:9");
}

void ValuesTraitsCallInvalidAreNeverFreed(Failures& t) {
  Freed freed;
  {
    Owner owner(-2, {&freed, "a"});
    EXPECT_TRUE(t, !owner.is_valid());
  }
  EXPECT_TRUE(t, freed.empty());
}

void WithoutIsValidOnlyTheInvalidValueIsEmpty(Failures& t) {
  Freed freed;
  {
    ScopedGeneric<int, PlainTraits> negative(-2, {&freed});
    ScopedGeneric<int, PlainTraits> empty(0, {&freed});
    EXPECT_TRUE(t, negative.is_valid());
    EXPECT_TRUE(t, !empty.is_valid());
  }
  EXPECT_EQ(t, Joined(freed), "-2");
}

}  // namespace

std::vector<UnitTest> ScopedGenericTests() {
  const char* suite = "ScopedGeneric";
  return {
      {suite, "starts empty and frees nothing", StartsEmptyAndFreesNothing},
      {suite, "frees its value once on destruction", DestructionFreesOnce},
      {suite, "move construction empties the source",
       MoveConstructionEmptiesTheSource},
      {suite, "move assignment frees the old value with its own state",
       MoveAssignmentFreesTheOldValueWithItsState},
      {suite, "a move onto itself keeps the value",
       MoveOntoItselfKeepsTheValue},
      {suite, "release gives the value up unfreed",
       ReleaseGivesTheValueUpUnfreed},
      {suite, "reset frees, then holds the new value",
       ResetFreesThenHoldsTheNewValue},
      {suite, "receive frees first, then owns what the call writes",
       ReceiveFreesFirstThenOwnsWhatIsWritten},
      {suite, "values the traits call invalid are never freed",
       ValuesTraitsCallInvalidAreNeverFreed},
      {suite, "without IsValid only InvalidValue() is empty",
       WithoutIsValidOnlyTheInvalidValueIsEmpty},
  };
}

}  // namespace rendezvous::unit
