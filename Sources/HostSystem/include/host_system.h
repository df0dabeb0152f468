/* Linux calls the host needs that Swift's Glibc module does not import. Host-only; not part of the ABI. */
#ifndef DATAPRODUCTS_HOST_SYSTEM_H
#define DATAPRODUCTS_HOST_SYSTEM_H

/* Deliver `sig` to the calling process when its parent dies (prctl PR_SET_PDEATHSIG). 0 on success. */
int dp_set_parent_death_signal(int sig);

#endif
