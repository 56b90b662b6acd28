#!/usr/bin/env bash
# scripts/demo.sh: set up, build and run the main job: a whole simulated handshake (V.8 to
# CONNECT). With a display it opens the live spectrogram window (`handshake sim --gui`);
# without one it prints the timeline and writes the annotated spectrogram to handshake.png.
# Extra arguments are line options for both (e.g. --snr 25 --delay 300).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build-dir build
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/handshake sim --gui "$@"
fi
status=0
build/handshake sim "$@" || status=$?
build/handshake render --sim "$@" -o handshake.png
echo "no display: the annotated spectrogram of this run is in handshake.png"
exit "$status"
