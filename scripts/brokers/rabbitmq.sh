#!/usr/bin/env bash
# Runs a local RabbitMQ for development and the integration tests: Debian's rabbitmq-server
# (apt package rabbitmq-server), default node, AMQP on 5672 with the stock guest/guest user (which
# RabbitMQ only admits from loopback), management UI on 15672.
#
# Usage: scripts/brokers/rabbitmq.sh start|stop|status
#   start   idempotent: exits 0 at once if the node is already up; otherwise starts it detached and
#           waits (bounded, RABBITMQ_START_TIMEOUT seconds, default 90) until the app has booted.
#           On failure prints the tail of the broker log and exits non-zero.
#   stop    stops the node and its Erlang VM (no-op when it is not running).
#   status  exits 0 when the node is running, non-zero otherwise.
# Then: AMQP_URL=amqp://guest:guest@127.0.0.1:5672
#
# A second, private node (tests that restart a broker use one, so the shared node is never touched)
# runs beside the default one when these are set (environment):
#   RABBITMQ_NODENAME       node name, e.g. docent-test-1@localhost (default: Debian's rabbit@<host>)
#   RABBITMQ_NODE_PORT      AMQP port (default 5672)
#   RABBITMQ_DIST_PORT      Erlang distribution port (RabbitMQ's default: AMQP port + 20000)
#   RABBITMQ_STATE_DIR      the node's own data, logs, pid file and enabled-plugins file; the node
#                           listens on loopback only and loads no plugins (no management UI, so no
#                           clash on 15672). Owned by the rabbitmq user, which Debian's wrappers
#                           switch to. Unset: Debian's /var/lib/rabbitmq and /var/log/rabbitmq.
#   RABBITMQ_START_TIMEOUT  seconds to wait for readiness (default 90)
set -euo pipefail

START_TIMEOUT="${RABBITMQ_START_TIMEOUT:-90}"
LOG_DIR=/var/log/rabbitmq
NODE_PORT="${RABBITMQ_NODE_PORT:-5672}"
NODE_ARGS=()
[[ -n "${RABBITMQ_NODENAME:-}" ]] && NODE_ARGS=(-n "$RABBITMQ_NODENAME")
STATE_DIR="${RABBITMQ_STATE_DIR:-}"
if [[ -n "$STATE_DIR" ]]; then
  [[ -n "${RABBITMQ_NODENAME:-}" ]] || { echo "[rabbitmq] RABBITMQ_STATE_DIR needs RABBITMQ_NODENAME (a private node)" >&2; exit 2; }
  LOG_DIR="$STATE_DIR/log"
  # Read by Debian's rabbitmq-env; `su` (without -l) keeps them across the switch to rabbitmq.
  export RABBITMQ_MNESIA_BASE="$STATE_DIR/mnesia" RABBITMQ_LOG_BASE="$LOG_DIR" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$STATE_DIR/enabled_plugins" RABBITMQ_PID_FILE="$STATE_DIR/node.pid" \
    RABBITMQ_NODE_IP_ADDRESS="${RABBITMQ_NODE_IP_ADDRESS:-127.0.0.1}" RABBITMQ_NODE_PORT="$NODE_PORT"
fi

# Debian's wrappers only run as root (they switch to the rabbitmq user) or as rabbitmq itself.
SUDO=()
if [[ "$(id -u)" -ne 0 && "$(id -un)" != rabbitmq ]]; then
  # -E only for a private node: its settings travel in the environment.
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n ${RABBITMQ_STATE_DIR:+-E}); else
    echo "[rabbitmq] needs root (or passwordless sudo) to drive Debian's rabbitmq-server" >&2; exit 1
  fi
fi

log() { echo "[rabbitmq] $*"; }
ctl() { "${SUDO[@]}" rabbitmqctl "${NODE_ARGS[@]}" "$@"; }

require_installed() {
  if ! command -v rabbitmq-server >/dev/null || ! command -v rabbitmqctl >/dev/null; then
    echo "[rabbitmq] rabbitmq-server is not installed: apt-get install -y rabbitmq-server (or scripts/system-deps.sh)" >&2
    exit 1
  fi
}

# await_startup answers at once: success when booted, an error while the node is down or booting.
is_up() { ctl -q await_startup >/dev/null 2>&1; }

print_logs() {
  echo "----- RabbitMQ logs (tail) -----" >&2
  for f in "$LOG_DIR"/startup_err "$LOG_DIR"/startup_log "$LOG_DIR"/*@*.log; do
    if [[ -s "$f" ]]; then echo "== $f" >&2; "${SUDO[@]}" tail -n 40 "$f" >&2 || true; fi
  done
  echo "--------------------------------" >&2
}

start() {
  require_installed
  if is_up; then log "already running"; return 0; fi
  if [[ -n "$STATE_DIR" ]]; then
    "${SUDO[@]}" mkdir -p "$RABBITMQ_MNESIA_BASE" "$LOG_DIR"
    echo '[].' | "${SUDO[@]}" tee "$RABBITMQ_ENABLED_PLUGINS_FILE" >/dev/null
    "${SUDO[@]}" chown -R rabbitmq:rabbitmq "$STATE_DIR"
  else
    # Management UI is a bundled plugin; enabling it offline only writes enabled_plugins.
    "${SUDO[@]}" rabbitmq-plugins enable --offline rabbitmq_management >/dev/null 2>&1 ||
      log "could not enable the management plugin (continuing without it)"
  fi
  log "starting rabbitmq-server -detached${RABBITMQ_NODENAME:+ (node $RABBITMQ_NODENAME)}"
  "${SUDO[@]}" rabbitmq-server -detached
  local started=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if is_up; then
      local ui=", UI http://127.0.0.1:15672"
      [[ -n "$STATE_DIR" ]] && ui=""
      log "ready after $((SECONDS - started))s: amqp://guest:guest@127.0.0.1:$NODE_PORT$ui"
      return 0
    fi
    sleep 1
  done
  echo "[rabbitmq] did not become ready within ${START_TIMEOUT}s" >&2
  print_logs
  exit 1
}

stop() {
  require_installed
  if [[ -n "$STATE_DIR" ]]; then stop_private; return 0; fi
  if ! is_up && ! pgrep -u rabbitmq -f beam >/dev/null; then log "not running"; return 0; fi
  log "stopping"
  ctl -q shutdown >/dev/null
  log "stopped"
}

# A private node's VM is found by its pid file (3.10 passes the node name in the environment, so
# pgrep cannot tell nodes apart); a node that does not answer rabbitmqctl is killed.
stop_private() {
  local pid=""
  [[ -s "$RABBITMQ_PID_FILE" ]] && pid="$(cat "$RABBITMQ_PID_FILE")"
  if is_up || { [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }; then
    log "stopping node $RABBITMQ_NODENAME"
    ctl -q shutdown >/dev/null 2>&1 || true
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then log "node did not shut down; killing pid $pid"; kill -KILL "$pid" || true; fi
    log "stopped"
  else
    log "node $RABBITMQ_NODENAME not running"
  fi
  "${SUDO[@]}" rm -f "$RABBITMQ_PID_FILE"
}

status() {
  require_installed
  if is_up; then log "running (amqp://guest:guest@127.0.0.1:$NODE_PORT)"; else log "not running"; return 1; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
