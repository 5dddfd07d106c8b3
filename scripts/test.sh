#!/usr/bin/env bash
# The test command: installs what the build needs (Debian), builds folio in
# build/ (Release, warnings are errors) and runs the test suite, then builds
# build-asan/ with AddressSanitizer and UndefinedBehaviorSanitizer and runs
# the suite again. Exits non-zero when anything fails; the last line is
# "N passed, N failed" over both trees.
#
#   ./scripts/test.sh              everything
#   FOLIO_TEST_NO_ASAN=1 ./scripts/test.sh   skip the sanitizer tree
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${FOLIO_JOBS:-2}

total_passed=0
total_failed=0
status=0

note() { printf '\n==> %s\n' "$*"; }

# run_tree NAME BUILD_DIR CMAKE_ARGS... : configure, build, ctest; adds to the totals.
run_tree() {
  local name=$1 dir=$2
  shift 2
  local log="$ROOT/$dir/ctest.log"

  note "$name: configure $dir ($*)"
  if ! cmake -S "$ROOT" -B "$ROOT/$dir" "$@"; then
    echo "$name: configure FAILED"
    total_failed=$((total_failed + 1))
    status=1
    return
  fi
  note "$name: build $dir (-j$JOBS)"
  if ! cmake --build "$ROOT/$dir" -j"$JOBS"; then
    echo "$name: build FAILED"
    total_failed=$((total_failed + 1))
    status=1
    return
  fi
  note "$name: ctest in $dir"
  (cd "$ROOT/$dir" && ctest --output-on-failure -j"$JOBS") 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}

  # "100% tests passed, 0 tests failed out of 12"
  local line failed out_of
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [ -n "$line" ]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    out_of=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    total_passed=$((total_passed + out_of - failed))
    total_failed=$((total_failed + failed))
    echo "$name: $((out_of - failed)) passed, $failed failed"
  elif grep -q 'No tests were found' "$log"; then
    echo "$name: no tests were found"
    status=1
  else
    echo "$name: ctest printed no summary (exit $rc)"
    total_failed=$((total_failed + 1))
  fi
  if [ "$rc" -ne 0 ]; then
    status=1
  fi
}

note "setup: Debian packages"
if ! "$ROOT/scripts/setup-debian.sh"; then
  echo "setup-debian.sh FAILED"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tree release build -DCMAKE_BUILD_TYPE=Release

if [ "${FOLIO_TEST_NO_ASAN:-0}" != "1" ]; then
  export ASAN_OPTIONS=detect_leaks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_tree asan build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOLIO_SANITIZE=ON \
    -DFOLIO_BUILD_BENCH=OFF
fi

if [ "$total_failed" -ne 0 ]; then
  status=1
fi
echo
echo "$total_passed passed, $total_failed failed"
exit "$status"
