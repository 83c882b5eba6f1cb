#!/bin/sh
# Entry point of the test image `scripts/podman-engine.sh image <version>` builds (busybox sh). It reads the
# environment the way the real images do, so kstack's compose model runs unchanged:
# - ZOO_SERVER_ID set: a ZooKeeper server as bitnami/zookeeper configures it (ZOO_SERVERS = host:2888:3888,…,
#   in myid order), run from the ZooKeeper jars Kafka 3.x ships in libs/;
# - KAFKA_CFG_* set: a Kafka node as bitnami/kafka reads them (prefix dropped, `_` → `.`, lower case);
# - otherwise KAFKA_*: as apache/kafka reads them (`___` → `-`, `__` → `_`, `_` → `.`).
# KRaft storage is formatted with the cluster id (CLUSTER_ID, KAFKA_CLUSTER_ID or KAFKA_KRAFT_CLUSTER_ID) first.
set -e
JAVA=/usr/lib/jvm/jre/bin/java
CP='/opt/kafka/libs/*'
LOG="$(cat /opt/kafka/config/logging-flag)"

if [ -n "${ZOO_SERVER_ID:-}" ]; then
  mkdir -p /var/lib/zookeeper
  echo "$ZOO_SERVER_ID" > /var/lib/zookeeper/myid
  CFG=/opt/kafka/config/zoo.cfg
  printf '%s\n' tickTime=2000 initLimit=10 syncLimit=5 dataDir=/var/lib/zookeeper clientPort=2181 quorumListenOnAllIPs=true admin.enableServer=false '4lw.commands.whitelist=srvr,ruok' > "$CFG"
  if [ -n "${ZOO_SERVERS:-}" ]; then
    i=0
    for s in $(echo "$ZOO_SERVERS" | tr ',' ' '); do i=$((i + 1)); echo "server.$i=$s" >> "$CFG"; done
  fi
  exec "$JAVA" -Xmx128m $LOG -cp "$CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$CFG"
fi

CONF=/opt/kafka/config/server.properties
: > "$CONF"
if env | grep -q '^KAFKA_CFG_'; then
  env | grep '^KAFKA_CFG_' | while IFS='=' read -r name value; do
    echo "$(echo "${name#KAFKA_CFG_}" | tr 'A-Z_' 'a-z.')=$value" >> "$CONF"
  done
else
  env | grep '^KAFKA_' | grep -v -e '^KAFKA_HEAP_OPTS=' -e '^KAFKA_OPTS=' | while IFS='=' read -r name value; do
    echo "$(echo "${name#KAFKA_}" | tr 'A-Z' 'a-z' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')=$value" >> "$CONF"
  done
fi
if grep -q '^process.roles=' "$CONF"; then
  ID="${CLUSTER_ID:-${KAFKA_CLUSTER_ID:-${KAFKA_KRAFT_CLUSTER_ID:-}}}"
  "$JAVA" -Xmx128m $LOG -cp "$CP" kafka.tools.StorageTool format -t "$ID" -c "$CONF" --ignore-formatted
fi
exec "$JAVA" ${KAFKA_HEAP_OPTS:--Xmx384m} $LOG -cp "$CP" kafka.Kafka "$CONF"
