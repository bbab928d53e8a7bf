// What the OS says about a section a peer sent: its real size and how it is
// backed, read with NtQuerySection (ntdll; the documented Win32 API has no
// way to ask a section its size before mapping it).
#ifndef ADDON_WIN_SECTION_INFO_H_
#define ADDON_WIN_SECTION_INFO_H_

#include <windows.h>

#include <cstdint>

#include "core/error.h"

namespace rendezvous {

struct SectionFacts {
  uint64_t size = 0;
  // SEC_RESERVE: its pages need committing one by one, and touching one
  // that is not faults.
  bool reserved_only = false;
  // A section over a file (SEC_FILE or an image): its pages come from that
  // file, whose reads can fail.
  bool file_backed = false;
};

// False (ERR_RENDEZVOUS_INVALID_RIGHT) where `section` is not a section
// this process may query.
bool QuerySection(HANDLE section, SectionFacts* facts, Error* error);

}  // namespace rendezvous

#endif  // ADDON_WIN_SECTION_INFO_H_
