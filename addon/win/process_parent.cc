#include "win/process_parent.h"

#include <cstdint>

namespace rendezvous {

namespace {

// PROCESS_BASIC_INFORMATION as ntdll fills it; the SDKs' winternl.h names
// its fields differently (MSVC hides the creator's pid as Reserved3).
struct BasicInformation {
  LONG exit_status;
  void* peb;
  ULONG_PTR affinity;
  LONG base_priority;
  ULONG_PTR pid;
  ULONG_PTR creator_pid;
};
constexpr int kProcessBasicInformation = 0;

using QueryInformationProcess = LONG(NTAPI*)(HANDLE, int, PVOID, ULONG, PULONG);

// The pid that created `process`, or 0. ntdll's NtQueryInformationProcess
// is the only call that reports it without a snapshot of every process.
uintptr_t CreatorPidOf(HANDLE process) {
  static const auto query = reinterpret_cast<QueryInformationProcess>(
      reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"),
                                               "NtQueryInformationProcess")));
  if (!query)
    return 0;
  BasicInformation info{};
  ULONG length = 0;
  if (query(process, kProcessBasicInformation, &info, sizeof(info), &length) !=
      0) {
    return 0;
  }
  return info.creator_pid;
}

bool CreationTimeOf(HANDLE process, ULARGE_INTEGER* time) {
  FILETIME created, exited, kernel, user;
  if (!::GetProcessTimes(process, &created, &exited, &kernel, &user))
    return false;
  time->LowPart = created.dwLowDateTime;
  time->HighPart = created.dwHighDateTime;
  return true;
}

}  // namespace

bool IsChildOfThisProcess(HANDLE process) {
  if (CreatorPidOf(process) != ::GetCurrentProcessId())
    return false;
  ULARGE_INTEGER ours, theirs;
  return CreationTimeOf(::GetCurrentProcess(), &ours) &&
         CreationTimeOf(process, &theirs) && theirs.QuadPart >= ours.QuadPart;
}

}  // namespace rendezvous
