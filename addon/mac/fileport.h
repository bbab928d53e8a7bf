// File descriptors travel between macOS processes as fileports: a send right
// that holds a reference to the open file. Declared here because not every
// SDK the addon is built with has <sys/fileport.h>; libSystem exports both.
#ifndef ADDON_MAC_FILEPORT_H_
#define ADDON_MAC_FILEPORT_H_

#include <mach/mach.h>

extern "C" {
// Makes a send right referring to `fd`'s open file; 0 or -1 with errno.
int fileport_makeport(int fd, mach_port_t* port);
// Opens a new descriptor for the file a fileport refers to; or -1.
int fileport_makefd(mach_port_t port);
}

#endif  // ADDON_MAC_FILEPORT_H_
