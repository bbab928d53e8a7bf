// The smallest harness the core's unit tests need: a case is a named
// function that records what went wrong; JavaScript runs each case as its
// own node:test test (test/02.core-units.test.js) and fails it with these
// messages.
#ifndef TEST_NATIVE_UNIT_TEST_H_
#define TEST_NATIVE_UNIT_TEST_H_

#include <string>
#include <type_traits>
#include <vector>

namespace rendezvous::unit {

class Failures {
 public:
  void Add(const char* file, int line, const std::string& what) {
    messages_.push_back(std::string(file) + ":" + std::to_string(line) + ": " +
                        what);
  }
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

struct UnitTest {
  const char* suite;  // the class under test
  const char* name;   // the behaviour it proves
  void (*run)(Failures& t);
};

// Values as a failure message shows them.
template <typename T>
std::string Show(const T& value) {
  if constexpr (std::is_enum_v<T>) {
    return std::to_string(static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_arithmetic_v<T>) {
    return std::to_string(value);
  } else {
    return "\"" + std::string(value) + "\"";
  }
}

template <typename A, typename B>
void ExpectEqual(Failures& t,
                 const char* file,
                 int line,
                 const A& actual,
                 const B& expected,
                 const char* actual_text,
                 const char* expected_text) {
  if (actual == expected)
    return;
  t.Add(file, line,
        std::string(actual_text) + " is " + Show(actual) + ", expected " +
            expected_text + " (" + Show(expected) + ")");
}

}  // namespace rendezvous::unit

// Macros only to capture the expression's text and its place.
#define EXPECT_TRUE(t, condition)                          \
  do {                                                     \
    if (!(condition))                                      \
      (t).Add(__FILE__, __LINE__, "expected " #condition); \
  } while (false)
#define EXPECT_EQ(t, actual, expected)                               \
  ::rendezvous::unit::ExpectEqual((t), __FILE__, __LINE__, (actual), \
                                  (expected), #actual, #expected)

#endif  // TEST_NATIVE_UNIT_TEST_H_
