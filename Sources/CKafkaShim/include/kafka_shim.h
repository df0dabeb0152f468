/* The host's Kafka producer over librdkafka: messages queued per topic, every delivery report
 * counted, so the host can refuse to call a job done while a message is unacknowledged.
 * Host-only; not part of the plugin ABI. Not thread-safe: one producer per run, used from the
 * run's thread (delivery reports are served on that thread too, inside send and flush). */
#ifndef DATAPRODUCTS_KAFKA_SHIM_H
#define DATAPRODUCTS_KAFKA_SHIM_H
#include <stddef.h>
#include <stdint.h>

typedef struct dp_kafka dp_kafka;

/* What became of the messages sent to one topic. */
typedef struct dp_kafka_topic_stats {
    const char *topic;
    uint64_t sent;          /* accepted into the producer's queue */
    uint64_t acknowledged;  /* delivery reported by the broker (acks as configured) */
    uint64_t failed;        /* delivery reported failed, or dropped at close */
    const char *first_error; /* why the first failure failed, or NULL */
} dp_kafka_topic_stats;

/* Whether librdkafka accepts every property (names and values), without connecting: 0, or -1 with
 * errbuf (>= 512) saying which and why. */
int dp_kafka_check(const char *const *names, const char *const *values, size_t n, char *errbuf);

/* A producer with librdkafka properties `names[i]=values[i]`; NULL with errbuf (>= 512) set. */
dp_kafka *dp_kafka_open(const char *const *names, const char *const *values, size_t n, char *errbuf);

/* Queues one message (copied). A full queue is drained for up to `block_ms` first. 0 or -1 with
 * errbuf set. */
int dp_kafka_send(dp_kafka *k, const char *topic, const void *key, size_t key_len, const void *value, size_t len,
                  int block_ms, char *errbuf);

/* Serves delivery reports until nothing is outstanding or `timeout_ms` passed; returns how many
 * messages are still outstanding. */
int dp_kafka_flush(dp_kafka *k, int timeout_ms);

size_t dp_kafka_topic_count(const dp_kafka *k);
dp_kafka_topic_stats dp_kafka_stats(const dp_kafka *k, size_t i);

/* Where librdkafka's own log lines go (syslog level, facility, text), for producers opened after
 * the call; NULL: librdkafka's default, raw lines on stderr. The sink may be called from
 * librdkafka's threads. */
typedef void (*dp_kafka_log_fn)(int level, const char *facility, const char *message);
void dp_kafka_set_log(dp_kafka_log_fn sink);

/* Drops what is still outstanding (counted failed) and frees the producer. */
void dp_kafka_close(dp_kafka *k);

#endif
