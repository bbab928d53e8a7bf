// Test-only: runs the macOS backend's Mach-free rules (addon/mac/reply_rules.h,
// addon/mac/process_match.h, addon/mac/send_failure.h) on questions read from
// stdin, one a line, and prints one answer a line. Built with the system
// compiler on any platform.
//
//   name KIND NAME                      -> accepted | refused
//   descriptor KIND TYPE NAME DISP      -> ok | the problem
//   notice ID SIZE COMPLEX SENDER_PID   -> notice | other
//   match BOUND_ID|- NOW_ID|- NOW_VERSION ASKER_VERSION -> bound | stranger
//   child OWN_ID|- PARENT_ID|- NOW_VERSION ASKER_VERSION -> child | other
//   handout KIND OPENED                 -> the kind handed out
//   send KR(hex) CAME_BACK              -> nothing|header|partly|returned
//                                          transient|final
#include <cstdint>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "mac/process_match.h"
#include "mac/reply_rules.h"
#include "mac/send_failure.h"

namespace {

using rendezvous::RightKind;
namespace rules = rendezvous::mac::rules;

std::optional<uint64_t> OptionalId(const std::string& word) {
  if (word == "-")
    return std::nullopt;
  return std::stoull(word);
}

std::string Answer(const std::string& line) {
  std::istringstream in(line);
  std::string question;
  in >> question;
  if (question == "name") {
    uint32_t kind, name;
    in >> kind >> name;
    return rules::AcceptableName(static_cast<RightKind>(kind), name)
               ? "accepted"
               : "refused";
  }
  if (question == "descriptor") {
    uint32_t kind, type, name, disposition;
    in >> kind >> type >> name >> disposition;
    const char* problem = rules::DescriptorProblem(static_cast<RightKind>(kind),
                                                   type, name, disposition);
    return problem ? problem : "ok";
  }
  if (question == "notice") {
    int32_t id, sender;
    uint32_t size, complex;
    in >> id >> size >> complex >> sender;
    return rules::IsUnansweredNotice(id, size, complex != 0, sender) ? "notice"
                                                                     : "other";
  }
  if (question == "match") {
    std::string bound, now;
    int32_t now_version, asker_version;
    in >> bound >> now >> now_version >> asker_version;
    std::optional<rendezvous::mac::ProcessSnapshot> snapshot;
    if (auto id = OptionalId(now))
      snapshot = rendezvous::mac::ProcessSnapshot{*id, now_version};
    return rendezvous::mac::IsBoundProcess(OptionalId(bound), snapshot,
                                           asker_version)
               ? "bound"
               : "stranger";
  }
  if (question == "child") {
    std::string own, parent;
    int32_t now_version, asker_version;
    in >> own >> parent >> now_version >> asker_version;
    std::optional<rendezvous::mac::ProcessSnapshot> snapshot;
    if (auto id = OptionalId(parent))
      snapshot = rendezvous::mac::ProcessSnapshot{1, now_version, *id};
    return rendezvous::mac::IsChildOf(OptionalId(own), snapshot, asker_version)
               ? "child"
               : "other";
  }
  if (question == "handout") {
    uint32_t kind, opened;
    in >> kind >> opened;
    return std::to_string(static_cast<uint32_t>(
        rules::HandedOutKind(static_cast<RightKind>(kind), opened != 0)));
  }
  if (question == "send") {
    std::string code;
    uint32_t came_back;
    in >> code >> came_back;
    auto kr = static_cast<uint32_t>(std::stoul(code, nullptr, 16));
    using rendezvous::mac::sending::SendFailure;
    const char* what = "partly";
    switch (rendezvous::mac::sending::ClassifySendFailure(kr, came_back != 0)) {
      case SendFailure::kNothingConsumed:
        what = "nothing";
        break;
      case SendFailure::kHeaderDestroyed:
        what = "header";
        break;
      case SendFailure::kPartlyDestroyed:
        what = "partly";
        break;
      case SendFailure::kPseudoReceived:
        what = "returned";
        break;
    }
    return std::string(what) + (rendezvous::mac::sending::IsTransient(kr)
                                    ? " transient"
                                    : " final");
  }
  return "unknown question";
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line))
    std::cout << Answer(line) << "\n";
  return 0;
}
