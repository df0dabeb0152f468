#include "host_system.h"
#include <sys/prctl.h>

int dp_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, sig); }
