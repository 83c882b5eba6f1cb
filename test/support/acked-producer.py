#!/usr/bin/python3
"""
A librdkafka (confluent-kafka) peer for failover tests, run with Debian's /usr/bin/python3:

  produce <bootstrap> <topic> <count> <rate/s> [key=value ...]
      idempotent, acks=all producer; values are the sequence numbers "0".."count-1"; prints one JSON line per
      delivery report: {"ack": seq, "p": partition, "o": offset} or {"fail": seq, "err": "..."}, then
      {"done": true, "acked": n, "failed": m}. Extra key=value pairs are librdkafka settings.
  consume <bootstrap> <topic> <partition>
      reads the partition from the beginning to its high watermark; prints {"o": offset, "v": value} per
      record, then {"end": high_watermark}.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def out(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")


def produce(bootstrap, topic, count, rate, extra):
    conf = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": 120000,
        "topic.metadata.refresh.interval.ms": 1000,
        "retry.backoff.ms": 100,
    }
    conf.update(extra)
    p = Producer(conf)
    acked = 0
    failed = 0

    def report(err, msg):
        nonlocal acked, failed
        seq = int(msg.value())
        if err is None:
            acked += 1
            out({"ack": seq, "p": msg.partition(), "o": msg.offset()})
        else:
            failed += 1
            out({"fail": seq, "err": str(err)})

    start = time.monotonic()
    for i in range(count):
        while True:
            try:
                p.produce(topic, value=str(i).encode(), on_delivery=report)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if rate > 0 and i % 100 == 99:
            ahead = (i + 1) / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    remaining = p.flush(180)
    out({"done": True, "acked": acked, "failed": failed, "unfinished": remaining})
    sys.stdout.flush()


def consume(bootstrap, topic, partition):
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "acked-producer-check",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_uncommitted",
    })
    tp = TopicPartition(topic, partition, 0)
    low, high = c.get_watermark_offsets(tp, timeout=30)
    c.assign([TopicPartition(topic, partition, low)])
    pos = low
    deadline = time.monotonic() + 120
    while pos < high and time.monotonic() < deadline:
        for m in c.consume(1000, 1.0):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise SystemExit("consume error: %s" % m.error())
            out({"o": m.offset(), "v": m.value().decode()})
            pos = m.offset() + 1
    out({"end": high, "pos": pos})
    c.close()


def main():
    cmd = sys.argv[1]
    if cmd == "produce":
        extra = dict(a.split("=", 1) for a in sys.argv[6:])
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), extra)
    elif cmd == "consume":
        consume(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit("usage: acked-producer.py produce|consume ...")


if __name__ == "__main__":
    main()
