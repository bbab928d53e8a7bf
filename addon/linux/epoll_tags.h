// What an event of the Linux server's epoll set is about: a tag in the top
// byte of its data, the listener/connection/pid below it.
#ifndef ADDON_LINUX_EPOLL_TAGS_H_
#define ADDON_LINUX_EPOLL_TAGS_H_

#include <cstdint>

namespace rendezvous::epoll_tags {

enum Tag : uint64_t {
  kListener = 1,
  kWake = 2,
  kConnection = 3,
  kExit = 4,
};

inline constexpr int kTagShift = 56;
inline constexpr uint64_t kValueMask = (uint64_t{1} << kTagShift) - 1;

inline uint64_t EpollData(Tag tag, uint64_t value) {
  return (static_cast<uint64_t>(tag) << kTagShift) | (value & kValueMask);
}

inline uint64_t TagOf(uint64_t data) {
  return data >> kTagShift;
}

inline uint64_t ValueOf(uint64_t data) {
  return data & kValueMask;
}

}  // namespace rendezvous::epoll_tags

#endif  // ADDON_LINUX_EPOLL_TAGS_H_
