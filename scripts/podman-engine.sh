#!/usr/bin/env bash
# A Docker-API-compatible engine for tests, from Debian's podman: `podman system service` on a unix socket.
#
#   bash scripts/podman-engine.sh start   # prints DOCKER_HOST=unix://<dir>/podman.sock (and exports nothing)
#   bash scripts/podman-engine.sh stop
#   bash scripts/podman-engine.sh status  # exit 0 when the socket answers /_ping
#   bash scripts/podman-engine.sh image 4.4.0   # builds localhost/kstack-test-kafka:4.4.0 (see below)
#
# No registry is reachable from CI machines of this kind, so the docker-engine test runs an image assembled
# here and loaded with `podman import`: this machine's JRE (with the shared libraries it links), the Apache
# Kafka jars from .peers/ (bash scripts/fetch-apache-kafka.sh), busybox for a shell, and a start script that
# reads KAFKA_* variables the way the apache/kafka image does, formats the storage with CLUSTER_ID and runs
# kafka.Kafka. Its healthcheck helper only checks the port (the jars in .peers/ have no kafka-tools), so the
# test relies on kstack's own Kafka-level readiness, as the engine does anyway.
#
# Needs (Debian 12): apt-get install -y podman runc
# Why the extra config (research/local-peers.md §7): in this kind of sandbox crun cannot set RLIMIT_NOFILE
# ("setrlimit `RLIMIT_NOFILE`: Operation not permitted") and refuses hybrid cgroups, so podman runs with runc
# and lowered default ulimits, from a containers.conf selected by CONTAINERS_CONF (the system config is not
# touched). The directory defaults to /tmp/kstack-podman; KSTACK_PODMAN_DIR overrides it.
set -euo pipefail

DIR="${KSTACK_PODMAN_DIR:-/tmp/kstack-podman}"
SOCK="$DIR/podman.sock"
PIDFILE="$DIR/service.pid"
CONF="$DIR/containers.conf"

ping_socket() {
  [ -S "$SOCK" ] || return 1
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s --max-time 2 --unix-socket "$SOCK" http://d/_ping || true)" = "OK" ]
  else
    node -e "require('http').get({socketPath:process.argv[1],path:'/_ping',timeout:2000},r=>{let b='';r.on('data',c=>b+=c);r.on('end',()=>process.exit(b==='OK'?0:1))}).on('error',()=>process.exit(1))" "$SOCK"
  fi
}

case "${1:-}" in
  start)
    command -v podman >/dev/null 2>&1 || { echo "podman is not installed: apt-get install -y podman runc" >&2; exit 3; }
    command -v runc >/dev/null 2>&1 || { echo "runc is not installed: apt-get install -y runc" >&2; exit 3; }
    mkdir -p "$DIR"
    if ping_socket; then echo "DOCKER_HOST=unix://$SOCK"; exit 0; fi
    cat > "$CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
EOF
    rm -f "$SOCK"
    CONTAINERS_CONF="$CONF" nohup podman system service --time=0 "unix://$SOCK" > "$DIR/service.log" 2>&1 &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 100); do
      if ping_socket; then echo "DOCKER_HOST=unix://$SOCK"; exit 0; fi
      sleep 0.1
    done
    echo "podman system service did not answer on $SOCK; see $DIR/service.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid="$(cat "$PIDFILE")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$PIDFILE"
    fi
    rm -f "$SOCK"
    ;;
  image)
    version="${2:?usage: $0 image <kafka version in .peers/>}"
    tag="localhost/kstack-test-kafka:$version"
    mkdir -p "$DIR"
    [ -f "$CONF" ] || { echo "run '$0 start' first" >&2; exit 3; }
    export CONTAINERS_CONF="$CONF"
    here="$(cd "$(dirname "$0")/.." && pwd)"
    # Rebuilt whenever this script or the start script changes (their hash is a label of the image).
    stamp="$(cat "$0" "$here/scripts/podman-engine-start.sh" | sha256sum | cut -c1-16)"
    if podman image exists "$tag"; then
      if [ "$(podman image inspect --format '{{index .Labels "dev.kstack.test-image"}}' "$tag" 2>/dev/null)" = "$stamp" ]; then echo "$tag"; exit 0; fi
      podman rmi -f "$tag" >/dev/null
    fi
    jars="${KSTACK_PEERS_DIR:-$here/.peers}/apache-kafka-$version/libs"
    [ -d "$jars" ] || { echo "no jars in $jars: bash scripts/fetch-apache-kafka.sh --version $version" >&2; exit 3; }
    command -v busybox >/dev/null 2>&1 || { echo "busybox is not installed: apt-get install -y busybox-static" >&2; exit 3; }
    java_bin="$(readlink -f "$(command -v java)")"
    jre="$(dirname "$(dirname "$java_bin")")"
    root="$(mktemp -d "$DIR/rootfs.XXXXXX")"
    [ -n "$root" ] && [ -d "$root" ] || exit 1
    trap 'rm -rf "$root" "$root.tar"' EXIT
    mkdir -p "$root/usr/lib/jvm" "$root/opt/kafka/bin" "$root/opt/kafka/config" "$root/opt/kafka/libs" "$root/bin" "$root/tmp" "$root/etc" "$root/var/lib/kafka/data"
    chmod 1777 "$root/tmp"
    # Dangling links (src.zip without the source package) are skipped.
    (cd "$jre" && find . \( -type f -o -type l \) ! -name src.zip -print0 | while IFS= read -r -d "" f; do { [ -e "$f" ] && [ ! -d "$f" ]; } || continue; mkdir -p "$root/usr/lib/jvm/jre/$(dirname "$f")"; cp -L "$f" "$root/usr/lib/jvm/jre/$f"; done)
    # The shared libraries the JVM links (ldd of the launcher and of every .so it ships).
    { ldd "$java_bin"; find "$jre" -name '*.so' -exec ldd {} \; 2>/dev/null; } | grep -o '/[^ ]*\.so[^ ]*' | sort -u | while read -r lib; do
      case "$lib" in "$jre"/*) continue ;; esac
      [ -e "$lib" ] || continue
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
    cp /usr/bin/busybox "$root/bin/busybox"
    for tool in sh env sed tr cat mkdir echo nc sleep ls grep head; do ln -s busybox "$root/bin/$tool"; done
    cp "$jars"/*.jar "$root/opt/kafka/libs/"
    echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
    # Console logging for both generations: log4j2 (Kafka 4) or reload4j (Kafka 3, which also runs ZooKeeper here).
    printf '%s\n' 'status = warn' 'appender.out.type = Console' 'appender.out.name = OUT' 'appender.out.layout.type = PatternLayout' \
      'appender.out.layout.pattern = [%d] %p %m (%c)%n' 'rootLogger.level = INFO' 'rootLogger.appenderRef.out.ref = OUT' > "$root/opt/kafka/config/log4j2.properties"
    printf '%s\n' 'log4j.rootLogger=INFO, out' 'log4j.appender.out=org.apache.log4j.ConsoleAppender' 'log4j.appender.out.layout=org.apache.log4j.PatternLayout' \
      'log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n' > "$root/opt/kafka/config/log4j.properties"
    if [ "${version%%.*}" -ge 4 ]; then echo '-Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties'; else echo '-Dlog4j.configuration=file:/opt/kafka/config/log4j.properties'; fi > "$root/opt/kafka/config/logging-flag"
    cp "$here/scripts/podman-engine-start.sh" "$root/opt/kafka/start.sh"
    # Healthcheck helpers under the names the images use; test image only: port checks (no kafka-tools in .peers/).
    printf '%s\n' \
      '#!/bin/sh' \
      'for arg in "$@"; do case "$prev" in --bootstrap-server|--bootstrap-controller) target="$arg" ;; esac; prev="$arg"; done' \
      'nc -w 3 "${target%:*}" "${target##*:}" </dev/null' \
      > "$root/opt/kafka/bin/kafka-broker-api-versions.sh"
    printf '%s\n' '#!/bin/sh' 'nc -w 3 127.0.0.1 2181 </dev/null' > "$root/opt/kafka/bin/zkServer.sh"
    chmod +x "$root/opt/kafka/bin/"*.sh
    for tool in kafka-broker-api-versions.sh zkServer.sh; do ln -s "/opt/kafka/bin/$tool" "$root/bin/$tool"; done
    chmod +x "$root/opt/kafka/start.sh"
    tar -C "$root" -cf "$root.tar" .
    podman import --change 'CMD ["/opt/kafka/start.sh"]' --change 'ENV PATH=/bin:/usr/lib/jvm/jre/bin' --change "LABEL dev.kstack.test-image=$stamp" "$root.tar" "$tag" > "$DIR/import.log" 2>&1 || { cat "$DIR/import.log" >&2; exit 1; }
    echo "$tag"
    ;;
  status)
    ping_socket && echo "DOCKER_HOST=unix://$SOCK"
    ;;
  conf)
    # For running podman commands by hand against the same configuration.
    echo "CONTAINERS_CONF=$CONF"
    ;;
  *)
    echo "usage: $0 start|stop|status|conf|image <version>" >&2
    exit 2
    ;;
esac
