#!/usr/bin/env bash
# Fetches Apache Kafka (broker jars) and builds the Java client peer, for tests that need the real thing.
# Everything lands in .peers/ inside the repository (git-ignored):
#   .peers/apache-kafka-<version>/libs/*.jar        kafka_2.13 + its runtime deps + a logging backend
#   .peers/java-client-<version>/libs/*.jar         kafka-clients + slf4j-simple + kstack-java-peer.jar
# Jars come from Maven Central through `mvn dependency:copy-dependencies` on the small poms in test/peers/.
# Idempotent: a folder whose marker (.complete) names the same inputs is left alone, so a second run costs well
# under a second. A cold Maven cache took 11–51 s here (104 MB).
#
# Usage: scripts/fetch-apache-kafka.sh [--version V]... [--client-version V] [--no-client] [--force]
#   --version V          broker version to fetch (repeatable). Default: 4.4.0 and 3.9.1 (3.9 is the last line
#                        with ZooKeeper mode and with every protocol version 0; 4.x is the current KRaft-only line).
#   --client-version V   kafka-clients version for the Java client peer. Default: 3.9.1.
#   --no-client          skip the Java client peer.
#   --force              re-fetch even when a complete folder exists.
# Environment: MAVEN_ARGS_EXTRA (e.g. -Dmaven.repo.local=/tmp/m2-cold to time a cold fetch).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="$ROOT/.peers"
versions=()
client_version="3.9.1"
with_client=1
force=0

die() { echo "fetch-apache-kafka: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value"; versions+=("$2"); shift 2 ;;
    --version=*) versions+=("${1#--version=}"); shift ;;
    --client-version) [ $# -ge 2 ] || die "--client-version needs a value"; client_version="$2"; shift 2 ;;
    --client-version=*) client_version="${1#--client-version=}"; shift ;;
    --no-client) with_client=0; shift ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ ${#versions[@]} -gt 0 ] || versions=(4.4.0 3.9.1)

for v in "${versions[@]}" "$client_version"; do
  [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a Kafka version: '$v' (expected e.g. 3.9.1)"
done
command -v mvn >/dev/null || die "mvn not found: apt-get install -y maven"
command -v java >/dev/null || die "java not found: apt-get install -y openjdk-17-jdk-headless"

# shellcheck disable=SC2206
mvn_extra=(${MAVEN_ARGS_EXTRA:-})
mkdir -p "$PEERS"
# Serialize concurrent fetches (several engineers or test runs share one working tree).
if command -v flock >/dev/null; then exec 9>"$PEERS/.lock"; flock 9; fi

# GNU date knows %N; BSD/macOS date prints a literal N, so fall back to whole seconds there.
now() { local t; t="$(date +%s.%N)"; case "$t" in *N) date +%s ;; *) echo "$t" ;; esac; }
# Maven's console output (colour codes even with -q) goes to a log that is shown only when Maven fails.
run_mvn() {
  local log
  log="$(mktemp)"
  # ${a[@]+...}: an empty array is "unbound" under set -u in bash 3.2 (macOS).
  if mvn -q -B ${mvn_extra[@]+"${mvn_extra[@]}"} "$@" >"$log" 2>&1; then rm -f "$log"; return 0; fi
  sed 's/\x1b\[[0-9;]*m//g' "$log" | tail -40 >&2
  rm -f "$log"
  return 1
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# A folder is current when its marker names the same inputs (pom and sources hash); editing a pom refetches.
inputs_hash() {
  if command -v sha256sum >/dev/null; then cat "$@" | sha256sum | cut -c1-16; else cat "$@" | shasum -a 256 | cut -c1-16; fi
}
is_current() { [ "$force" = 0 ] && [ -f "$1/.complete" ] && grep -qx "inputs=$2" "$1/.complete"; }

fetch_broker() {
  local v="$1" dir="$PEERS/apache-kafka-$1" profile t0 inputs
  inputs="$(inputs_hash "$ROOT/test/peers/apache-kafka/pom.xml")"
  if is_current "$dir" "$inputs"; then echo "apache-kafka $v: present ($dir)"; return; fi
  # Kafka 3.x logs through slf4j 1.7 + reload4j; 4.x through log4j 2 (the backends each release ships with).
  case "$v" in
    0.*|1.*|2.*|3.*) profile=log-reload4j ;;
    *) profile=log-log4j2 ;;
  esac
  t0=$(now)
  rm -rf "$dir"
  mkdir -p "$dir/libs"
  if ! run_mvn -f "$ROOT/test/peers/apache-kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$v" -P"$profile" -DincludeScope=runtime -DoutputDirectory="$dir/libs"; then
    rm -rf "$dir"
    die "could not resolve org.apache.kafka:kafka_2.13:$v from Maven Central (is the version served?)"
  fi
  [ -f "$dir/libs/kafka_2.13-$v.jar" ] || die "kafka_2.13-$v.jar missing after the fetch"
  printf 'kind=apache-kafka\nversion=%s\nlogging=%s\ninputs=%s\n' "$v" "$profile" "$inputs" > "$dir/.complete"
  echo "apache-kafka $v: fetched $(ls "$dir/libs" | wc -l) jars in $(elapsed "$t0") s ($dir)"
}

build_client() {
  local v="$1" dir="$PEERS/java-client-$1" t0 src classes inputs
  src="$ROOT/test/peers/java-client/src"
  inputs="$(inputs_hash "$ROOT/test/peers/java-client/pom.xml" $(find "$src" -name '*.java' | sort))"
  if is_current "$dir" "$inputs"; then echo "java-client $v: present ($dir)"; return; fi
  command -v javac >/dev/null || die "javac not found: apt-get install -y openjdk-17-jdk-headless"
  t0=$(now)
  rm -rf "$dir"
  mkdir -p "$dir/libs"
  if ! run_mvn -f "$ROOT/test/peers/java-client/pom.xml" dependency:copy-dependencies \
      -Dkafka.clients.version="$v" -DincludeScope=runtime -DoutputDirectory="$dir/libs"; then
    rm -rf "$dir"
    die "could not resolve org.apache.kafka:kafka-clients:$v from Maven Central"
  fi
  classes="$dir/classes"
  mkdir -p "$classes"
  javac -nowarn --release 11 -cp "$dir/libs/*" -d "$classes" $(find "$src" -name '*.java')
  jar --create --file "$dir/libs/kstack-java-peer.jar" -C "$classes" .
  rm -rf "$classes"
  printf 'kind=java-client\nversion=%s\nmain=dev.kstack.peer.KafkaPeer\ninputs=%s\n' "$v" "$inputs" > "$dir/.complete"
  echo "java-client $v: built in $(elapsed "$t0") s ($dir)"
}

total0=$(now)
for v in "${versions[@]}"; do fetch_broker "$v"; done
[ "$with_client" = 1 ] && build_client "$client_version"
echo "fetch-apache-kafka: done in $(elapsed "$total0") s"
