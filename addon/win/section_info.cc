#include "win/section_info.h"

#include <cstdio>
#include <string>

namespace rendezvous {

namespace {

// ntdll's SECTION_BASIC_INFORMATION (SectionBasicInformation = 0).
struct SectionBasicInformation {
  void* base_address;
  ULONG allocation_attributes;
  LARGE_INTEGER maximum_size;
};

using NtQuerySectionFunction =
    LONG(WINAPI*)(HANDLE, int, void*, SIZE_T, SIZE_T*);

NtQuerySectionFunction NtQuerySectionEntry() {
  static const NtQuerySectionFunction entry =
      reinterpret_cast<NtQuerySectionFunction>(
          reinterpret_cast<void*>(::GetProcAddress(
              ::GetModuleHandleW(L"ntdll.dll"), "NtQuerySection")));
  return entry;
}

constexpr ULONG kSecFile = 0x800000;
constexpr ULONG kSecImage = 0x1000000;
constexpr ULONG kSecReserve = 0x4000000;

}  // namespace

bool QuerySection(HANDLE section, SectionFacts* facts, Error* error) {
  NtQuerySectionFunction query = NtQuerySectionEntry();
  if (query == nullptr) {
    *error = Error::Make(codes::kSystem,
                         "ntdll has no NtQuerySection: a received shared "
                         "memory region cannot be checked");
    return false;
  }
  SectionBasicInformation info{};
  LONG status = query(section, 0, &info, sizeof info, nullptr);
  if (status < 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08lX",
                  static_cast<unsigned long>(status));
    *error = Error::Make(codes::kInvalidRight,
                         std::string("The handle is not a shared memory "
                                     "region this process may inspect "
                                     "(NtQuerySection: NTSTATUS ") +
                             hex + ")");
    return false;
  }
  facts->size = static_cast<uint64_t>(info.maximum_size.QuadPart);
  facts->reserved_only = (info.allocation_attributes & kSecReserve) != 0;
  facts->file_backed =
      (info.allocation_attributes & (kSecFile | kSecImage)) != 0;
  return true;
}

}  // namespace rendezvous
