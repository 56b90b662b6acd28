#!/usr/bin/env bash
# scripts/test.sh: set up, build and run every test (unit, e2e, interop), then rebuild with
# AddressSanitizer + UndefinedBehaviorSanitizer and run the unit and e2e tests again.
# Usage: scripts/test.sh [--quick]   (--quick: skip the sanitizer pass)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

scripts/setup.sh --build-dir build
echo "== tests (build/)"
(cd build && ctest --output-on-failure -j2)

if [ "$quick" = 0 ]; then
  scripts/setup.sh --build-dir build-asan -DHS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  echo "== sanitizer pass (build-asan/): unit and e2e"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j2 -L 'unit|e2e' -LE slow)
fi
