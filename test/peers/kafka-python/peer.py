#!/usr/bin/python3
"""kafka-python (Debian's python3-kafka 2.0.2) as a test peer. Run with /usr/bin/python3: the pyenv python3 on
PATH does not see Debian's packages. Prints one JSON object per line on stdout.

  peer.py produce  --bootstrap H:P --topic T --count N
  peer.py consume  --bootstrap H:P --topic T --group G --count N [--timeout-ms 30000]
  peer.py admin    --bootstrap H:P --topic T [--partitions 1]     (create_topics, describe_configs, list/describe groups)

Exit code 0 on success, 1 on a Kafka error or timeout, 2 on bad arguments.
"""
import argparse
import json
import sys
import time


def emit(**kv):
    print(json.dumps(kv), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["produce", "consume", "admin"])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--group", default="kstack-python-group")
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--timeout-ms", type=int, default=30000)
    ap.add_argument("--client-id", default="kstack-kafka-python")
    ap.add_argument("--compression", default=None)
    ap.add_argument("--api-version", default=None,
                    help="pin the protocol generation, e.g. 0.10.0 (Produce v2, magic 1) or 0.9 / 0.8.2 (magic 0)")
    a = ap.parse_args()
    a.api = tuple(int(x) for x in a.api_version.split(".")) if a.api_version else None
    try:
        import kafka  # noqa: F401
    except ImportError:
        emit(event="error", type="usage", message="kafka-python missing: apt-get install -y python3-kafka and run /usr/bin/python3")
        return 2
    try:
        if a.command == "produce":
            return produce(a)
        if a.command == "consume":
            return consume(a)
        return admin(a)
    except Exception as e:  # report any client failure as data, not a traceback
        emit(event="error", type=type(e).__name__, message=str(e))
        return 1


def produce(a):
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=a.bootstrap, client_id=a.client_id, acks="all", compression_type=a.compression,
                      api_version=a.api)
    futures = []
    # Record headers exist only in the v2 record format (Kafka 0.11+).
    headers = a.api is None or a.api >= (0, 11)
    for i in range(a.count):
        extra = {"headers": [("kstack-seq", str(i).encode()), ("kstack-client", b"kafka-python")]} if headers else {}
        futures.append(p.send(a.topic, key=("key-%d" % i).encode(), value=("value-%d" % i).encode(), **extra))
    p.flush()
    for i, f in enumerate(futures):
        md = f.get(timeout=30)
        emit(event="sent", key="key-%d" % i, partition=md.partition, offset=md.offset)
    p.close()
    emit(event="done", count=a.count)
    return 0


def consume(a):
    from kafka import KafkaConsumer
    c = KafkaConsumer(a.topic, bootstrap_servers=a.bootstrap, client_id=a.client_id, group_id=a.group,
                      auto_offset_reset="earliest", enable_auto_commit=False, api_version=a.api)
    got = 0
    deadline = time.time() + a.timeout_ms / 1000.0
    while got < a.count and time.time() < deadline:
        batches = c.poll(timeout_ms=200)
        for records in batches.values():
            for r in records:
                emit(event="record", topic=r.topic, partition=r.partition, offset=r.offset,
                     key=r.key.decode() if r.key is not None else None,
                     value=r.value.decode() if r.value is not None else None,
                     headers={k: (v.decode() if v is not None else None) for k, v in (r.headers or [])})
                got += 1
        if batches:
            c.commit()
    c.close()
    if got < a.count:
        emit(event="error", type="timeout", message="consumed %d of %d records" % (got, a.count))
        return 1
    emit(event="done", count=got)
    return 0


def admin(a):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
    ad = KafkaAdminClient(bootstrap_servers=a.bootstrap, client_id=a.client_id)
    ad.create_topics([NewTopic(name=a.topic, num_partitions=a.partitions, replication_factor=1)])
    emit(event="created", topic=a.topic)
    ad.describe_configs([ConfigResource(ConfigResourceType.TOPIC, a.topic)])
    groups = ad.list_consumer_groups()
    emit(event="groups", groups=[g[0] for g in groups])
    if groups:
        ad.describe_consumer_groups([groups[0][0]])
        ad.list_consumer_group_offsets(groups[0][0])
    ad.close()
    emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
