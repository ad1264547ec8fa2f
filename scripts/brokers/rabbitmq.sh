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
set -euo pipefail

START_TIMEOUT="${RABBITMQ_START_TIMEOUT:-90}"
LOG_DIR=/var/log/rabbitmq

# Debian's wrappers only run as root (they switch to the rabbitmq user) or as rabbitmq itself.
SUDO=()
if [[ "$(id -u)" -ne 0 && "$(id -un)" != rabbitmq ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "[rabbitmq] needs root (or passwordless sudo) to drive Debian's rabbitmq-server" >&2; exit 1
  fi
fi

log() { echo "[rabbitmq] $*"; }
ctl() { "${SUDO[@]}" rabbitmqctl "$@"; }

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
  for f in "$LOG_DIR"/startup_err "$LOG_DIR"/startup_log "$LOG_DIR"/rabbit@*.log; do
    if [[ -s "$f" ]]; then echo "== $f" >&2; "${SUDO[@]}" tail -n 40 "$f" >&2 || true; fi
  done
  echo "--------------------------------" >&2
}

start() {
  require_installed
  if is_up; then log "already running"; return 0; fi
  # Management UI is a bundled plugin; enabling it offline only writes enabled_plugins.
  "${SUDO[@]}" rabbitmq-plugins enable --offline rabbitmq_management >/dev/null 2>&1 ||
    log "could not enable the management plugin (continuing without it)"
  log "starting rabbitmq-server -detached"
  "${SUDO[@]}" rabbitmq-server -detached
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if is_up; then log "ready after $((SECONDS))s: amqp://guest:guest@127.0.0.1:5672, UI http://127.0.0.1:15672"; return 0; fi
    sleep 1
  done
  echo "[rabbitmq] did not become ready within ${START_TIMEOUT}s" >&2
  print_logs
  exit 1
}

stop() {
  require_installed
  if ! is_up && ! pgrep -u rabbitmq -f beam >/dev/null; then log "not running"; return 0; fi
  log "stopping"
  ctl -q shutdown >/dev/null
  log "stopped"
}

status() {
  require_installed
  if is_up; then log "running (amqp://guest:guest@127.0.0.1:5672)"; else log "not running"; return 1; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
