// The seam: facts about this process the bindings need.
#ifndef ADDON_CORE_SEAM_PROCESS_H_
#define ADDON_CORE_SEAM_PROCESS_H_

#include <cstdint>

namespace rendezvous {

// This process's id, as the OS reports it to other processes.
int64_t CurrentProcessId();

}  // namespace rendezvous

#endif  // ADDON_CORE_SEAM_PROCESS_H_
