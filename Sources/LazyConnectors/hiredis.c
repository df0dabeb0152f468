#include <hiredis/hiredis.h>
#include "lazy.h"
#define HR DP_LIB_HIREDIS

DP_STUB_VOID(HR, freeReplyObject, (void *reply), (reply))
DP_STUB(HR, int, redisAppendCommandArgv, (redisContext *c, int argc, const char **argv, const size_t *argvlen),
        (c, argc, argv, argvlen))
DP_STUB(HR, redisContext *, redisConnectWithTimeout, (const char *ip, int port, const struct timeval tv), (ip, port, tv))
DP_STUB_VOID(HR, redisFree, (redisContext *c), (c))
DP_STUB(HR, int, redisGetReply, (redisContext *c, void **reply), (c, reply))
DP_STUB(HR, int, redisSetTimeout, (redisContext *c, const struct timeval tv), (c, tv))
