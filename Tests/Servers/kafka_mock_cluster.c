/* A Kafka-protocol broker on loopback for the tests: librdkafka's own mock cluster
 * (rdkafka_mock.h), so producers and kcat talk to it over real TCP as to a real cluster.
 *
 *   kafka_mock_cluster [BROKERS]   prints "bootstrap <host:port,...>" once listening, then reads
 *                                   commands from stdin, one per line, answering "ok <command>":
 *     down / up    take every broker off / back on line (connections drop, nothing is answered)
 *     topic NAME P create topic NAME with P partitions (replication 1)
 *   It exits on end of input, so a test that dies cannot leave it running. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int brokers = argc > 1 ? atoi(argv[1]) : 1;
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The handle only hosts the cluster's threads; it never produces. */
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) { fprintf(stderr, "kafka_mock_cluster: %s\n", err); return 1; }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
    if (!cluster) { fprintf(stderr, "kafka_mock_cluster: cannot start the mock cluster\n"); return 1; }
    printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(cluster));
    fflush(stdout);
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        char name[400];
        int partitions = 1;
        rd_kafka_resp_err_t rc = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (strcmp(line, "down") == 0 || strcmp(line, "up") == 0) {
            for (int id = 1; id <= brokers; id++)
                rc = line[0] == 'd' ? rd_kafka_mock_broker_set_down(cluster, id) : rd_kafka_mock_broker_set_up(cluster, id);
        } else if (sscanf(line, "topic %399s %d", name, &partitions) >= 1) {
            rc = rd_kafka_mock_topic_create(cluster, name, partitions, 1);
        } else {
            printf("error unknown command '%s'\n", line);
            fflush(stdout);
            continue;
        }
        if (rc) printf("error %s: %s\n", line, rd_kafka_err2str(rc)); else printf("ok %s\n", line);
        fflush(stdout);
    }
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(rk);
    return 0;
}
