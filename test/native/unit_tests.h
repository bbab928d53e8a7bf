// Every suite of the core's unit tests, one list per class under test.
#ifndef TEST_NATIVE_UNIT_TESTS_H_
#define TEST_NATIVE_UNIT_TESTS_H_

#include <vector>

#include "unit_test.h"

namespace rendezvous::unit {

std::vector<UnitTest> RegistrationTableTests();
std::vector<UnitTest> HeldRequestsTests();
std::vector<UnitTest> UnsentRepliesTests();
std::vector<UnitTest> ReplyPolicyTests();
std::vector<UnitTest> ChannelSenderTests();
std::vector<UnitTest> ChannelDriverTests();
std::vector<UnitTest> MessageAssemblerTests();
std::vector<UnitTest> ScopedGenericTests();
std::vector<UnitTest> ScopedFdTests();
std::vector<UnitTest> OwnedHandleTests();
std::vector<UnitTest> DebugLogTests();
std::vector<UnitTest> MappingBudgetTests();
std::vector<UnitTest> EndpointNameTests();
std::vector<UnitTest> OutgoingHandlesTests();
std::vector<UnitTest> PayloadCarrierTests();
std::vector<UnitTest> BodyPoolTests();
std::vector<UnitTest> LargeCopyTests();
std::vector<UnitTest> CopyHelperTests();
// Linux only (linux/copy_helper.cc's placement).
std::vector<UnitTest> CopyHelperPlacementTests();

}  // namespace rendezvous::unit

#endif  // TEST_NATIVE_UNIT_TESTS_H_
