#include <librdkafka/rdkafka.h>
#include "lazy.h"
#define RK DP_LIB_RDKAFKA

DP_STUB(RK, rd_kafka_conf_t *, rd_kafka_conf_new, (void), ())
DP_STUB(RK, rd_kafka_conf_res_t, rd_kafka_conf_set, (rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr, size_t errstr_size),
        (conf, name, value, errstr, errstr_size))
DP_STUB_VOID(RK, rd_kafka_conf_set_dr_msg_cb,
             (rd_kafka_conf_t *conf, void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *rkmessage, void *opaque)),
             (conf, dr_msg_cb))
DP_STUB_VOID(RK, rd_kafka_conf_set_log_cb,
             (rd_kafka_conf_t *conf, void (*log_cb)(const rd_kafka_t *rk, int level, const char *fac, const char *buf)), (conf, log_cb))
DP_STUB_VOID(RK, rd_kafka_conf_destroy, (rd_kafka_conf_t *conf), (conf))
DP_STUB(RK, rd_kafka_t *, rd_kafka_new, (rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size),
        (type, conf, errstr, errstr_size))
DP_STUB_VOID(RK, rd_kafka_destroy, (rd_kafka_t *rk), (rk))
DP_STUB(RK, rd_kafka_topic_t *, rd_kafka_topic_new, (rd_kafka_t *rk, const char *topic, rd_kafka_topic_conf_t *conf), (rk, topic, conf))
DP_STUB_VOID(RK, rd_kafka_topic_destroy, (rd_kafka_topic_t *rkt), (rkt))
DP_STUB(RK, int, rd_kafka_produce,
        (rd_kafka_topic_t *rkt, int32_t partition, int msgflags, void *payload, size_t len, const void *key, size_t keylen, void *msg_opaque),
        (rkt, partition, msgflags, payload, len, key, keylen, msg_opaque))
DP_STUB(RK, rd_kafka_resp_err_t, rd_kafka_last_error, (void), ())
DP_STUB(RK, const char *, rd_kafka_err2str, (rd_kafka_resp_err_t err), (err))
DP_STUB(RK, int, rd_kafka_poll, (rd_kafka_t *rk, int timeout_ms), (rk, timeout_ms))
DP_STUB(RK, rd_kafka_resp_err_t, rd_kafka_flush, (rd_kafka_t *rk, int timeout_ms), (rk, timeout_ms))
DP_STUB(RK, rd_kafka_resp_err_t, rd_kafka_purge, (rd_kafka_t *rk, int purge_flags), (rk, purge_flags))
DP_STUB(RK, int, rd_kafka_outq_len, (rd_kafka_t *rk), (rk))
