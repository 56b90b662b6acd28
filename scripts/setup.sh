#!/usr/bin/env bash
# scripts/setup.sh: install the Debian packages Handshake needs (when missing) and build it.
# Usage: scripts/setup.sh [--no-build] [--build-dir DIR] [cmake options...]
# Run as root (or with sudo available) on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config
      libfftw3-dev libsndfile1-dev libsamplerate0-dev portaudio19-dev jackd2
      libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core libpng-dev
      libspandsp-dev minimodem
      xvfb xauth sox)

build=1
bdir=build
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --build-dir) bdir=$2; shift 2 ;;
    *) break ;;
  esac
done

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$build" = 1 ]; then
  cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$bdir" -j"$(nproc)"
fi
