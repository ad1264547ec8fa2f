#!/usr/bin/env bash
# Runs a local single-node Apache Kafka (KRaft, no ZooKeeper) for development and the integration
# tests, from Apache's own jars on Maven Central: no tarball download, no Docker.
#
# Usage: scripts/brokers/kafka.sh install|start|stop|status
#   install  gathers the broker jars with `mvn dependency:copy-dependencies` (kafka-pom.xml) into
#            $KAFKA_CACHE_DIR/<version>/libs; a no-op when they are already there.
#   start    idempotent: exits 0 at once when the broker is up; else installs if needed, writes
#            server.properties, formats the storage once, starts kafka.Kafka in the background and
#            waits (bounded, KAFKA_START_TIMEOUT seconds, default 120) for a real metadata answer
#            (kcat -L). On failure prints the tail of the broker log and exits non-zero.
#   stop     stops the broker this script started (SIGTERM, then SIGKILL after 60 s).
#   status   exits 0 when the broker answers a metadata request, non-zero otherwise.
# Then: KAFKA_BROKERS=127.0.0.1:9092 (or 127.0.0.1:$KAFKA_PORT)
#
# Settings (environment):
#   KAFKA_VERSION       Kafka release from Maven Central (default 4.1.0; needs Java 17)
#   KAFKA_CACHE_DIR     jar cache (default $HOME/.cache/docent/kafka)
#   KAFKA_STATE_DIR     config, data, pid and log (default $KAFKA_CACHE_DIR/state)
#   KAFKA_HEAP          JVM heap (default 512m)
#   KAFKA_START_TIMEOUT seconds to wait for readiness (default 120)
#   KAFKA_PORT          client listener on 127.0.0.1 (default 9092)
#   KAFKA_CONTROLLER_PORT KRaft controller listener (default 9093)
#   KAFKA_NODE_ID       node.id of this single-node cluster (default 1)
# A private broker beside the default one (tests that restart Kafka use one) sets KAFKA_PORT,
# KAFKA_CONTROLLER_PORT and its own KAFKA_STATE_DIR; the state dir holds its own cluster id.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.0}"
CACHE_DIR="${KAFKA_CACHE_DIR:-$HOME/.cache/docent/kafka}"
STATE_DIR="${KAFKA_STATE_DIR:-$CACHE_DIR/state}"
LIBS_DIR="$CACHE_DIR/$KAFKA_VERSION/libs"
HEAP="${KAFKA_HEAP:-512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
BOOTSTRAP="127.0.0.1:${KAFKA_PORT:-9092}"
CONTROLLER="127.0.0.1:${KAFKA_CONTROLLER_PORT:-9093}"
NODE_ID="${KAFKA_NODE_ID:-1}"
PID_FILE="$STATE_DIR/kafka.pid"
LOG_FILE="$STATE_DIR/kafka.log"
CONFIG_FILE="$STATE_DIR/server.properties"
DATA_DIR="$STATE_DIR/data"

log() { echo "[kafka] $*"; }
die() { echo "[kafka] $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null || die "$1 is not installed: apt-get install -y $2 (or scripts/system-deps.sh)"
}

java_run() { java -cp "$LIBS_DIR/*" -Dlog4j2.configurationFile="$HERE/kafka-log4j2.properties" "$@"; }

install() {
  if [[ -f "$LIBS_DIR/.complete" ]]; then log "Kafka $KAFKA_VERSION jars present in $LIBS_DIR"; return 0; fi
  need mvn maven
  need java openjdk-17-jre-headless
  log "gathering Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
  local tmp="$LIBS_DIR.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  mvn -B -q -Dstyle.color=never -f "$HERE/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp"
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  touch "$tmp/.complete"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  log "installed $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

pid_alive() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

# A real metadata round trip, not just an open port: the broker is registered and serving.
answers_metadata() { kcat -L -b "$BOOTSTRAP" -m 3 2>/dev/null | grep -q "1 brokers"; }

write_config() {
  mkdir -p "$DATA_DIR"
  cat >"$CONFIG_FILE" <<CONF
# Written by scripts/brokers/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$NODE_ID@$CONTROLLER
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$BOOTSTRAP,CONTROLLER://$CONTROLLER
advertised.listeners=PLAINTEXT://$BOOTSTRAP
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
delete.topic.enable=true
# Tests join consumer groups constantly; the default 3 s delay only slows them down.
group.initial.rebalance.delay.ms=0
CONF
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  local cluster_id_file="$STATE_DIR/cluster.id"
  if [[ ! -s "$cluster_id_file" ]]; then
    # The tool also logs to stdout; keep only the id itself (22 characters of base64url).
    java_run kafka.tools.StorageTool random-uuid 2>/dev/null | grep -Eo '^[A-Za-z0-9_-]{22}$' | tail -n 1 >"$cluster_id_file"
    [[ -s "$cluster_id_file" ]] || die "could not generate a cluster id"
  fi
  log "formatting storage in $DATA_DIR (cluster id $(cat "$cluster_id_file"))"
  java_run kafka.tools.StorageTool format --config "$CONFIG_FILE" \
    --cluster-id "$(cat "$cluster_id_file")" --ignore-formatted >>"$LOG_FILE" 2>&1 ||
    { tail -n 30 "$LOG_FILE" >&2; die "storage format failed"; }
}

print_log() {
  echo "----- Kafka log (tail of $LOG_FILE) -----" >&2
  tail -n 60 "$LOG_FILE" >&2 2>/dev/null || echo "(no log)" >&2
  echo "-----------------------------------------" >&2
}

start() {
  need kcat kcat
  if answers_metadata; then log "already running on $BOOTSTRAP"; return 0; fi
  need java openjdk-17-jre-headless
  install
  mkdir -p "$STATE_DIR"
  if ! pid_alive; then
    write_config
    format_storage
    log "starting kafka.Kafka (heap $HEAP), log: $LOG_FILE"
    # setsid + nohup: the broker outlives the shell that started it; stop uses the pid file.
    setsid nohup java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dkafka.logs.dir="$STATE_DIR" \
      -cp "$LIBS_DIR/*" -Dlog4j2.configurationFile="$HERE/kafka-log4j2.properties" \
      kafka.Kafka "$CONFIG_FILE" >>"$LOG_FILE" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
  else
    log "broker process $(cat "$PID_FILE") exists but is not answering yet; waiting for it"
  fi
  local started=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if answers_metadata; then log "ready after $((SECONDS - started))s on $BOOTSTRAP"; return 0; fi
    if ! pid_alive; then print_log; die "broker process exited during start-up"; fi
    sleep 1
  done
  print_log
  die "broker did not answer a metadata request within ${START_TIMEOUT}s (still running as pid $(cat "$PID_FILE"); stop it with $0 stop)"
}

stop() {
  if ! pid_alive; then
    rm -f "$PID_FILE"
    answers_metadata && log "a broker answers on $BOOTSTRAP but was not started by this script; leaving it"
    log "not running"
    return 0
  fi
  local pid
  pid="$(cat "$PID_FILE")"
  log "stopping pid $pid"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then log "still running after 60s; killing"; kill -KILL "$pid"; fi
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  need kcat kcat
  if answers_metadata; then log "running on $BOOTSTRAP"; return 0; fi
  if pid_alive; then log "process $(cat "$PID_FILE") alive but not answering"; else log "not running"; fi
  return 1
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
