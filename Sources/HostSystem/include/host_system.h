/* Linux calls the host needs that Swift's Glibc module does not import. Host-only; not part of the ABI. */
#ifndef DATAPRODUCTS_HOST_SYSTEM_H
#define DATAPRODUCTS_HOST_SYSTEM_H

/* Deliver `sig` to the calling process when its parent dies (prctl PR_SET_PDEATHSIG). 0 on success. */
int dp_set_parent_death_signal(int sig);

/* An anonymous, sealable in-memory file (memfd_create with MFD_CLOEXEC | MFD_ALLOW_SEALING); -1 on error. */
int dp_memfd_create(const char *name);

/* Seals a memfd against any further write, growth or shrinking (F_ADD_SEALS). 0 on success. */
int dp_memfd_seal(int fd);

#endif
