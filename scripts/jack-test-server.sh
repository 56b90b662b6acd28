#!/usr/bin/env bash
# scripts/jack-test-server.sh: a private JACK dummy server (no sound card needed) for trying
# `handshake answer` / `handshake call` by hand or in scripts.
#
#   eval "$(scripts/jack-test-server.sh start [RATE] [PERIOD])"   # exports JACK_DEFAULT_SERVER
#   build/handshake answer &                                        # opens device "system"
#   build/handshake call --device hs-answer --wait-device 10        # wired to the answerer
#   scripts/jack-test-server.sh stop                                # after the instances!
#
# start: runs `jackd -n NAME -d dummy -r RATE -p PERIOD` (defaults 8000 Hz, 256 frames = 32 ms)
#        in its own process group, waits until it answers, prints the export line.
# stop:  stops the server named by $JACK_DEFAULT_SERVER (or the last one started here).
# Stop the instances first: PortAudio 19.6 aborts when its JACK server disappears under it.
# Needs the Debian package jackd2.
set -euo pipefail
state_dir=${XDG_RUNTIME_DIR:-/tmp}
cmd=${1:-}
case "$cmd" in
  start)
    rate=${2:-8000}
    period=${3:-256}
    command -v jackd >/dev/null || { echo "jack-test-server: jackd not found; apt-get install jackd2" >&2; exit 3; }
    name=${JACK_DEFAULT_SERVER:-handshake-$$}
    log="$state_dir/$name.jackd.log"
    setsid jackd -n "$name" -d dummy -r "$rate" -p "$period" >"$log" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 100); do
      if JACK_DEFAULT_SERVER=$name jack_lsp >/dev/null 2>&1; then
        echo "$pid" > "$state_dir/$name.jackd.pid"
        echo "$name" > "$state_dir/handshake-jack-last"
        echo "export JACK_DEFAULT_SERVER=$name"
        echo "jack-test-server: '$name' up at $rate Hz, period $period (pid $pid, log $log)" >&2
        exit 0
      fi
      kill -0 "$pid" 2>/dev/null || { echo "jack-test-server: jackd exited; see $log" >&2; exit 3; }
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "jack-test-server: jackd did not come up within 10 s; see $log" >&2
    exit 3
    ;;
  stop)
    name=${JACK_DEFAULT_SERVER:-$(cat "$state_dir/handshake-jack-last" 2>/dev/null || true)}
    pidfile="$state_dir/$name.jackd.pid"
    [ -n "$name" ] && [ -f "$pidfile" ] || { echo "jack-test-server: no server started here to stop" >&2; exit 1; }
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    echo "jack-test-server: '$name' stopped" >&2
    ;;
  *)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
