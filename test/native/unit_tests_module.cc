// The core's unit tests as a Node-API addon, so node:test runs them with no
// other test runner: `cases` lists { suite, name, run }, and run() returns
// the case's failures as strings (none when it passed).
#include <napi.h>

#include <exception>
#include <string>
#include <vector>

#include "unit_test.h"
#include "unit_tests.h"

namespace rendezvous::unit {

namespace {

std::vector<UnitTest> AllTests() {
  std::vector<UnitTest> all;
  for (auto suite : {
           RegistrationTableTests,
           HeldRequestsTests,
           ChannelSenderTests,
           MessageAssemblerTests,
           ScopedGenericTests,
           OwnedHandleTests,
           DebugLogTests,
           MappingBudgetTests,
           BodyPoolTests,
           LargeCopyTests,
           CopyHelperTests,
           EndpointNameTests,
           OutgoingHandlesTests,
           UnsentRepliesTests,
           ReplyPolicyTests,
           PayloadCarrierTests,
#ifndef _WIN32
           // POSIX descriptors, and ChannelDriver on pipes through uv_poll.
           ScopedFdTests,
           ChannelDriverTests,
#endif
#ifdef __linux__
           CopyHelperPlacementTests,
#endif
       }) {
    std::vector<UnitTest> tests = suite();
    all.insert(all.end(), tests.begin(), tests.end());
  }
  return all;
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  const auto* test = static_cast<const UnitTest*>(info.Data());
  Failures failures;
  try {
    test->run(failures);
  } catch (const std::exception& e) {
    failures.Add(__FILE__, __LINE__, std::string("threw: ") + e.what());
  }
  const auto& messages = failures.messages();
  Napi::Array result = Napi::Array::New(info.Env(), messages.size());
  for (size_t i = 0; i < messages.size(); ++i)
    result.Set(i, Napi::String::New(info.Env(), messages[i]));
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Per environment, and as long as the functions that point into it.
  auto* tests = new std::vector<UnitTest>(AllTests());
  env.SetInstanceData(tests);
  Napi::Array cases = Napi::Array::New(env, tests->size());
  for (size_t i = 0; i < tests->size(); ++i) {
    UnitTest* test = &(*tests)[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("suite", test->suite);
    entry.Set("name", test->name);
    entry.Set("run", Napi::Function::New(env, Run, test->name, test));
    cases.Set(i, entry);
  }
  exports.Set("cases", cases);
  return exports;
}

}  // namespace

}  // namespace rendezvous::unit

static Napi::Object InitUnitTests(Napi::Env env, Napi::Object exports) {
  return rendezvous::unit::Init(env, exports);
}

NODE_API_MODULE(core_unit_tests, InitUnitTests)
