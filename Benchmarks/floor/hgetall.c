/* The Redis half of the issue-5 floor: HGETALL user:<prefix><i> for i < N, pipelined 1000 deep
** through hiredis (every reply parsed, then dropped). redis-cli --pipe is no floor: its reply reader
** took 30 s of CPU for 100k hashes.
** Build: cc -O2 -o hgetall hgetall.c -lhiredis    Usage: hgetall PORT N [PREFIX]  */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s PORT N [PREFIX]\n", argv[0]); return 2; }
    int port = atoi(argv[1]);
    long n = atol(argv[2]);
    const char *prefix = argc > 3 ? argv[3] : "user:user-";
    redisContext *c = redisConnect("127.0.0.1", port);
    if (!c || c->err) { fprintf(stderr, "connect: %s\n", c ? c->errstr : "out of memory"); return 1; }
    long fields = 0, sent = 0, received = 0;
    while (received < n) {
        while (sent < n && sent - received < 1000) redisAppendCommand(c, "HGETALL %s%08ld", prefix, sent++);
        redisReply *r;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) { fprintf(stderr, "reply: %s\n", c->errstr); return 1; }
        fields += (long)r->elements / 2;
        freeReplyObject(r);
        received++;
    }
    printf("%ld hashes, %ld fields\n", received, fields);
    redisFree(c);
    return 0;
}
