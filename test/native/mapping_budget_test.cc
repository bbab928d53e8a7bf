// MappingBudget keeps the bytes mapped at once within its limit, and a
// MappingReservation holds the same bytes in several budgets, all or none,
// until it goes.
#include <memory>
#include <string>
#include <utility>

#include "core/mapping_budget.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

std::shared_ptr<MappingBudget> Budget(uint64_t limit) {
  return std::make_shared<MappingBudget>(limit, "the test's limit");
}

// Whether `budget` can take `size` more bytes now (given back at once).
bool HasRoomFor(MappingBudget& budget, uint64_t size) {
  Error error;
  if (!budget.Reserve(size, &error))
    return false;
  budget.Release(size);
  return true;
}

void ReservesUpToItsLimitAndRefusesBeyond(Failures& t) {
  MappingBudget budget(100, "the test's limit");
  Error error;
  EXPECT_TRUE(t, budget.Reserve(60, &error));
  EXPECT_TRUE(t, !budget.Reserve(41, &error));
  EXPECT_EQ(t, error.code, std::string(codes::kOutOfRange));
  EXPECT_TRUE(t, error.error_class == ErrorClass::kRangeError);
  EXPECT_EQ(t, error.message,
            std::string("Mapping 41 more bytes of shared memory would pass "
                        "the test's limit of 100 mapped at once"));
  EXPECT_TRUE(t, budget.Reserve(40, &error));
  EXPECT_TRUE(t, !HasRoomFor(budget, 1));
  budget.Release(100);
  EXPECT_TRUE(t, HasRoomFor(budget, 100));
}

void ReservationGivesBackWhenItGoes(Failures& t) {
  auto budget = Budget(100);
  {
    MappingReservation reservation;
    Error error;
    EXPECT_TRUE(t, reservation.Reserve({budget}, 70, &error));
    EXPECT_TRUE(t, !HasRoomFor(*budget, 31));
  }
  EXPECT_TRUE(t, HasRoomFor(*budget, 100));
}

void ReservationIsAllOrNone(Failures& t) {
  auto roomy = Budget(100);
  auto tight = Budget(50);
  auto last = Budget(100);
  MappingReservation reservation;
  Error error;
  EXPECT_TRUE(t, !reservation.Reserve({roomy, tight, last}, 60, &error));
  EXPECT_EQ(t, error.code, std::string(codes::kOutOfRange));
  // The budget before the one that refused was given its bytes back, the
  // one after was never asked.
  EXPECT_TRUE(t, HasRoomFor(*roomy, 100));
  EXPECT_TRUE(t, HasRoomFor(*tight, 50));
  EXPECT_TRUE(t, HasRoomFor(*last, 100));
}

void MovedReservationGivesBackOnce(Failures& t) {
  auto budget = Budget(100);
  MappingReservation moved_to;
  {
    MappingReservation reservation;
    Error error;
    EXPECT_TRUE(t, reservation.Reserve({budget}, 40, &error));
    moved_to = std::move(reservation);
  }
  // The moved-from reservation gave nothing back when it went.
  EXPECT_TRUE(t, !HasRoomFor(*budget, 61));
  moved_to.Reset();
  EXPECT_TRUE(t, HasRoomFor(*budget, 100));
  // A second reset finds nothing to give back (the count cannot wrap).
  moved_to.Reset();
  EXPECT_TRUE(t, !HasRoomFor(*budget, 101));
}

void ReservationKeepsItsBudgetsAlive(Failures& t) {
  auto budget = Budget(100);
  std::weak_ptr<MappingBudget> watch = budget;
  MappingReservation reservation;
  Error error;
  EXPECT_TRUE(t, reservation.Reserve({std::move(budget)}, 10, &error));
  EXPECT_TRUE(t, !watch.expired());
  reservation.Reset();
  EXPECT_TRUE(t, watch.expired());
}

}  // namespace

std::vector<UnitTest> MappingBudgetTests() {
  return {
      {"MappingBudget", "reserves up to its limit and refuses beyond",
       ReservesUpToItsLimitAndRefusesBeyond},
      {"MappingBudget", "a reservation gives back when it goes",
       ReservationGivesBackWhenItGoes},
      {"MappingBudget", "a reservation is all or none", ReservationIsAllOrNone},
      {"MappingBudget", "a moved reservation gives back once",
       MovedReservationGivesBackOnce},
      {"MappingBudget", "a reservation keeps its budgets alive",
       ReservationKeepsItsBudgetsAlive},
  };
}

}  // namespace rendezvous::unit
