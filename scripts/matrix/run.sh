#!/usr/bin/env bash
# Runs the test suite of one or more build trees against the whole backend
# matrix: starts the servers (start.sh) in a new temporary directory, runs
# ctest in each tree with their environment, and always stops them again
# (stop.sh), also on failure or ^C. Exits with the worst ctest status, or 1
# when the servers could not start (a backend is never skipped).
#
# The trees must be configured with -DFOLIO_TEST_MATRIX=ON.
#
#   scripts/matrix/run.sh BUILD_DIR [BUILD_DIR...] [-- CTEST_ARGS...]
#
# CTEST_ARGS replace the default "--output-on-failure -j$FOLIO_JOBS" (2), e.g.
#   scripts/matrix/run.sh build -- -L backend:pg --output-on-failure
# FOLIO_MATRIX_KEEP=1 keeps the server directory (logs) after the run.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)

trees=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  trees+=("$1")
  shift
done
if [ $# -gt 0 ]; then
  shift
  ctest_args=("$@")
else
  ctest_args=(--output-on-failure -j"${FOLIO_JOBS:-2}")
fi
if [ "${#trees[@]}" -eq 0 ]; then
  echo "usage: $0 BUILD_DIR [BUILD_DIR...] [-- CTEST_ARGS...]" >&2
  exit 2
fi
for t in "${trees[@]}"; do
  if [ ! -f "$t/CMakeCache.txt" ]; then
    echo "matrix: $t is not a configured build tree" >&2
    exit 2
  fi
  if ! grep -q '^FOLIO_TEST_MATRIX:BOOL=ON$' "$t/CMakeCache.txt"; then
    echo "matrix: $t was not configured with -DFOLIO_TEST_MATRIX=ON" >&2
    exit 2
  fi
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/folio-matrix.XXXXXX") || exit 1
trap '"$HERE/stop.sh" "$DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! "$HERE/start.sh" "$DIR"; then
  echo "matrix: the servers did not start: no backend is skipped, the run fails" >&2
  exit 1
fi
# shellcheck source=/dev/null
. "$DIR/env"

status=0
for t in "${trees[@]}"; do
  printf '\n==> matrix: ctest in %s\n' "$t"
  ctest --test-dir "$t" "${ctest_args[@]}"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    status=$rc
  fi
done
exit "$status"
