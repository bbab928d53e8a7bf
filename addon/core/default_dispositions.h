// What each backend does, by default, with the handles the JS layer hands
// it for the caller's own objects. JS names the object (a region, a channel
// end, one of Node's handles) and the backend says how its handle travels,
// so no caller picks a disposition by platform.
#ifndef ADDON_CORE_DEFAULT_DISPOSITIONS_H_
#define ADDON_CORE_DEFAULT_DISPOSITIONS_H_

namespace rendezvous {

struct DefaultDispositions {
  // A descriptor the caller keeps (one of Node's handle objects): the server
  // holds a duplicate.
  const char* shared_fd;
  // A shared memory region the caller keeps mapped: the child gets its own
  // reference to the same memory.
  const char* shared_region;
  // A channel end the caller gives up: the child gets the end itself.
  const char* channel_end;
  // Whether a caller may name Mach port rights at all.
  bool mach_ports;
  // Whether regions and channel ends travel as plain descriptors, which a
  // receiver cannot tell from other descriptors (core/payload_carrier.h).
  bool payloads_travel_as_descriptors;
};

// Defined by the one backend compiled in.
const DefaultDispositions& BackendDefaultDispositions();

}  // namespace rendezvous

#endif  // ADDON_CORE_DEFAULT_DISPOSITIONS_H_
