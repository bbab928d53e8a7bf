// The mach_vm_* calls the backend uses. Their header (<mach/mach_vm.h>) is
// not part of every SDK the addon is built with (Zig's has none); the
// functions themselves are MIG stubs exported by libSystem. The prototypes
// are the SDK's own, so on a Mac whose headers do declare them these are
// plain redeclarations. (vm_map_read_t, which newer SDKs use for some of
// them, is another name for mach_port_t, as vm_map_t is.)
#ifndef ADDON_MAC_MACH_VM_H_
#define ADDON_MAC_MACH_VM_H_

#include <mach/mach.h>

extern "C" {
// Maps `object` (a memory entry send right) into `target_task`.
kern_return_t mach_vm_map(vm_map_t target_task,
                          mach_vm_address_t* address,
                          mach_vm_size_t size,
                          mach_vm_offset_t mask,
                          int flags,
                          mem_entry_name_port_t object,
                          memory_object_offset_t offset,
                          boolean_t copy,
                          vm_prot_t cur_protection,
                          vm_prot_t max_protection,
                          vm_inherit_t inheritance);
// Maps [src_address, src_address + size) of `src_task` into `target_task`
// as well: shared, or (copy = TRUE) as a copy-on-write snapshot.
kern_return_t mach_vm_remap(vm_map_t target_task,
                            mach_vm_address_t* target_address,
                            mach_vm_size_t size,
                            mach_vm_offset_t mask,
                            int flags,
                            vm_map_t src_task,
                            mach_vm_address_t src_address,
                            boolean_t copy,
                            vm_prot_t* cur_protection,
                            vm_prot_t* max_protection,
                            vm_inherit_t inheritance);
// Unmaps [address, address + size), rounded out to whole pages.
kern_return_t mach_vm_deallocate(vm_map_t target,
                                 mach_vm_address_t address,
                                 mach_vm_size_t size);
// Describes the mapping at or after `*address`, descending into submaps no
// deeper than `*nesting_depth`. The flavor follows from `*info_count`.
kern_return_t mach_vm_region_recurse(vm_map_t target_task,
                                     mach_vm_address_t* address,
                                     mach_vm_size_t* size,
                                     natural_t* nesting_depth,
                                     vm_region_recurse_info_t info,
                                     mach_msg_type_number_t* info_count);
// Purgeable-memory controls of the object mapped at `address`.
kern_return_t mach_vm_purgable_control(vm_map_t target_task,
                                       mach_vm_address_t address,
                                       vm_purgable_t control,
                                       int* state);
}

#endif  // ADDON_MAC_MACH_VM_H_
