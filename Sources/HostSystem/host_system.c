#define _GNU_SOURCE
#include "host_system.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

int dp_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, sig); }

int dp_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); }

int dp_memfd_seal(int fd) { return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0 ? 0 : -1; }
