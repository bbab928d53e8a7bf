// CarrierOf: a descriptor stands for a region or a channel end only where
// the backend carries those as descriptors; every other difference between
// the kind that arrived and the kind stated is a bad message.
#include "core/payload_carrier.h"
#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

void AHandleOfTheStatedKindIsTakenAsIt(Failures& t) {
  for (bool as_descriptors : {true, false}) {
    EXPECT_TRUE(t, CarrierOf(RightKind::kFd, RightKind::kFd, as_descriptors) ==
                       Carrier::kAsStated);
    EXPECT_TRUE(t, CarrierOf(RightKind::kChannel, RightKind::kChannel,
                             as_descriptors) == Carrier::kAsStated);
    EXPECT_TRUE(t, CarrierOf(RightKind::kSharedMemory, RightKind::kSharedMemory,
                             as_descriptors) == Carrier::kAsStated);
  }
}

void ADescriptorCarriesAPayloadWherePayloadsAreDescriptors(Failures& t) {
  EXPECT_TRUE(t, CarrierOf(RightKind::kFd, RightKind::kSharedMemory, true) ==
                     Carrier::kAsDescriptor);
  EXPECT_TRUE(t, CarrierOf(RightKind::kFd, RightKind::kChannel, true) ==
                     Carrier::kAsDescriptor);
}

void ADescriptorStatedAsAPayloadIsRefusedWherePayloadsAreRights(Failures& t) {
  EXPECT_TRUE(t, CarrierOf(RightKind::kFd, RightKind::kSharedMemory, false) ==
                     Carrier::kMismatch);
  EXPECT_TRUE(t, CarrierOf(RightKind::kFd, RightKind::kChannel, false) ==
                     Carrier::kMismatch);
}

void OtherDifferencesAreRefusedEverywhere(Failures& t) {
  for (bool as_descriptors : {true, false}) {
    EXPECT_TRUE(t, CarrierOf(RightKind::kSendRight, RightKind::kSharedMemory,
                             as_descriptors) == Carrier::kMismatch);
    EXPECT_TRUE(t, CarrierOf(RightKind::kReceiveRight, RightKind::kFd,
                             as_descriptors) == Carrier::kMismatch);
    EXPECT_TRUE(t, CarrierOf(RightKind::kFd, RightKind::kSendRight,
                             as_descriptors) == Carrier::kMismatch);
  }
}

}  // namespace

std::vector<UnitTest> PayloadCarrierTests() {
  return {
      {"PayloadCarrier", "a handle of the stated kind is taken as it",
       AHandleOfTheStatedKindIsTakenAsIt},
      {"PayloadCarrier",
       "a descriptor carries a region or end where those are descriptors",
       ADescriptorCarriesAPayloadWherePayloadsAreDescriptors},
      {"PayloadCarrier",
       "a descriptor stated to be a region or end is refused where those are "
       "rights",
       ADescriptorStatedAsAPayloadIsRefusedWherePayloadsAreRights},
      {"PayloadCarrier", "any other difference is refused everywhere",
       OtherDifferencesAreRefusedEverywhere},
  };
}

}  // namespace rendezvous::unit
