#!/usr/bin/python3
"""confluent-kafka (Debian python3-confluent-kafka 1.7.0 on librdkafka 2.0.2) admin calls as a test peer: the
admin request versions librdkafka sends. Run with /usr/bin/python3. Prints one JSON object per line.

  admin.py --bootstrap H:P --topic T

Creates T with 1 partition, grows it to 2, describes and alters its configs, lists topics and groups, deletes
it. Exit code 0 on success, 1 on a Kafka error.
"""
import argparse
import json
import sys


def emit(**kv):
    print(json.dumps(kv), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--client-id", default="kstack-confluent-kafka")
    a = ap.parse_args()
    from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
    ad = AdminClient({"bootstrap.servers": a.bootstrap, "client.id": a.client_id})
    try:
        def wait(futures, what):
            for key, f in futures.items():
                f.result(timeout=30)
                emit(event=what, key=str(key))

        wait(ad.create_topics([NewTopic(a.topic, num_partitions=1, replication_factor=1)], request_timeout=30), "created")
        wait(ad.create_partitions([NewPartitions(a.topic, 2)], request_timeout=30), "partitions")
        res = ConfigResource(ConfigResource.Type.TOPIC, a.topic)
        wait(ad.describe_configs([res], request_timeout=30), "described")
        res.set_config("retention.ms", "3600000")
        wait(ad.alter_configs([res], request_timeout=30), "altered")
        md = ad.list_topics(timeout=30)
        emit(event="topics", topics=sorted(md.topics.keys()))
        emit(event="groups", groups=[g.id for g in ad.list_groups(timeout=30)])
        wait(ad.delete_topics([a.topic], request_timeout=30), "deleted")
    except Exception as e:
        emit(event="error", type=type(e).__name__, message=str(e))
        return 1
    emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
