#include "kafka_shim.h"
#include <librdkafka/rdkafka.h>
#include <lazy_connectors.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct topic_entry {
    char *name;
    rd_kafka_topic_t *handle;
    uint64_t sent, acknowledged, failed;
    char *first_error;
} topic_entry;

struct dp_kafka {
    rd_kafka_t *rk;
    topic_entry **topics; /* each entry allocated apart: a message's opaque points at its entry */
    size_t n_topics, cap_topics;
};

static void set_error(char *errbuf, const char *what, const char *detail) {
    snprintf(errbuf, 512, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

/* Served inside rd_kafka_poll/flush, on the caller's thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk, (void)opaque;
    topic_entry *t = m->_private;
    if (!t) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        t->acknowledged++;
        return;
    }
    t->failed++;
    if (!t->first_error) t->first_error = strdup(rd_kafka_err2str(m->err));
}

/* A configuration with every property set, or NULL with errbuf set. */
static rd_kafka_conf_t *configured(const char *const *names, const char *const *values, size_t n, char *errbuf) {
    const char *unavailable = dp_connector_load(DP_LIB_RDKAFKA); /* librdkafka is opened on first use */
    if (unavailable) {
        set_error(errbuf, unavailable, NULL);
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char detail[512];
    for (size_t i = 0; i < n; i++) {
        if (rd_kafka_conf_set(conf, names[i], values[i], detail, sizeof detail) != RD_KAFKA_CONF_OK) {
            set_error(errbuf, "Kafka setting refused", detail);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    return conf;
}

int dp_kafka_check(const char *const *names, const char *const *values, size_t n, char *errbuf) {
    rd_kafka_conf_t *conf = configured(names, values, n, errbuf);
    if (!conf) return -1;
    rd_kafka_conf_destroy(conf);
    return 0;
}

static dp_kafka_log_fn log_sink;

void dp_kafka_set_log(dp_kafka_log_fn sink) { log_sink = sink; }

static void on_log(const rd_kafka_t *rk, int level, const char *facility, const char *message) {
    (void)rk;
    dp_kafka_log_fn sink = log_sink;
    if (sink) sink(level, facility, message);
}

dp_kafka *dp_kafka_open(const char *const *names, const char *const *values, size_t n, char *errbuf) {
    rd_kafka_conf_t *conf = configured(names, values, n, errbuf);
    if (!conf) return NULL;
    char detail[512];
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    if (log_sink) rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, detail, sizeof detail);
    if (!rk) { /* rd_kafka_new keeps conf only on success */
        set_error(errbuf, "cannot create the Kafka producer", detail);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    dp_kafka *k = calloc(1, sizeof *k);
    k->rk = rk;
    return k;
}

static topic_entry *topic_named(dp_kafka *k, const char *name, char *errbuf) {
    for (size_t i = 0; i < k->n_topics; i++)
        if (strcmp(k->topics[i]->name, name) == 0) return k->topics[i];
    rd_kafka_topic_t *handle = rd_kafka_topic_new(k->rk, name, NULL);
    if (!handle) {
        set_error(errbuf, "bad Kafka topic", rd_kafka_err2str(rd_kafka_last_error()));
        return NULL;
    }
    if (k->n_topics == k->cap_topics) {
        k->cap_topics = k->cap_topics ? 2 * k->cap_topics : 4;
        k->topics = realloc(k->topics, k->cap_topics * sizeof *k->topics);
    }
    topic_entry *t = calloc(1, sizeof *t);
    t->name = strdup(name);
    t->handle = handle;
    k->topics[k->n_topics++] = t;
    return t;
}

static long long monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dp_kafka_send(dp_kafka *k, const char *topic, const void *key, size_t key_len, const void *value, size_t len,
                  int block_ms, char *errbuf) {
    topic_entry *t = topic_named(k, topic, errbuf);
    if (!t) return -1;
    long long deadline = monotonic_ms() + block_ms;
    for (;;) {
        if (rd_kafka_produce(t->handle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)value, len, key, key_len, t) == 0) {
            t->sent++;
            rd_kafka_poll(k->rk, 0); /* serve delivery reports as they come, so they never pile up */
            return 0;
        }
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || monotonic_ms() >= deadline) {
            set_error(errbuf, "Kafka refused the message", rd_kafka_err2str(err));
            return -1;
        }
        rd_kafka_poll(k->rk, 100); /* the queue drains as the broker acknowledges */
    }
}

int dp_kafka_flush(dp_kafka *k, int timeout_ms) {
    rd_kafka_flush(k->rk, timeout_ms);
    return rd_kafka_outq_len(k->rk);
}

size_t dp_kafka_topic_count(const dp_kafka *k) { return k->n_topics; }

dp_kafka_topic_stats dp_kafka_stats(const dp_kafka *k, size_t i) {
    topic_entry *t = k->topics[i];
    return (dp_kafka_topic_stats){t->name, t->sent, t->acknowledged, t->failed, t->first_error};
}

void dp_kafka_close(dp_kafka *k) {
    if (!k) return;
    /* Messages still queued or in flight get a failed delivery report ("purged"), counted. */
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(k->rk, 0);
    for (size_t i = 0; i < k->n_topics; i++) rd_kafka_topic_destroy(k->topics[i]->handle);
    rd_kafka_destroy(k->rk);
    for (size_t i = 0; i < k->n_topics; i++) {
        free(k->topics[i]->name);
        free(k->topics[i]->first_error);
        free(k->topics[i]);
    }
    free(k->topics);
    free(k);
}
