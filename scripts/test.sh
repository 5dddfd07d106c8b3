#!/usr/bin/env bash
# The test command. On a fresh Debian 12 machine (as root, or with sudo for
# the package step):
#   1. installs what the build and the tests need (scripts/setup-debian.sh);
#   2. builds build/ (Release, warnings are errors) and build-asan/
#      (AddressSanitizer and UndefinedBehaviorSanitizer), both with the
#      backend matrix;
#   3. starts a throwaway PostgreSQL and MariaDB on loopback and registers
#      the ODBC drivers (scripts/matrix/start.sh), runs the whole suite in
#      both trees against all five backends (SQLite, PostgreSQL, ODBC to
#      PostgreSQL, ODBC to MariaDB, ODBC to SQLite), and stops the servers;
#   4. runs the JSON scanner's fuzzer for a bounded time (clang, libFuzzer).
# Exits non-zero when anything fails or a backend could not start (a backend
# is never skipped). The last line is "N passed, N failed" over everything.
#
#   FOLIO_TEST_NO_ASAN=1   skip the sanitizer tree
#   FOLIO_FUZZ_SECONDS=N   fuzz for N seconds (default 30; 0: no fuzzing)
#   FOLIO_JOBS=N           parallel build and test jobs (default 2)
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${FOLIO_JOBS:-2}
FUZZ_SECONDS=${FOLIO_FUZZ_SECONDS:-30}

passed=0
failed=0
status=0

note() { printf '\n==> %s\n' "$*"; }
fail_step() {
  echo "$1: FAILED"
  failed=$((failed + 1))
  status=1
}

# build NAME DIR CMAKE_ARGS...
build() {
  local name=$1 dir=$2
  shift 2
  note "$name: configure $dir ($*)"
  cmake -S "$ROOT" -B "$ROOT/$dir" -DFOLIO_TEST_MATRIX=ON "$@" || { fail_step "$name configure"; return 1; }
  note "$name: build $dir (-j$JOBS)"
  cmake --build "$ROOT/$dir" -j"$JOBS" || { fail_step "$name build"; return 1; }
}

note "setup: Debian packages"
if ! "$ROOT/scripts/setup-debian.sh"; then
  echo "setup-debian.sh FAILED"
  echo "0 passed, 1 failed"
  exit 1
fi

trees=()
build release build -DCMAKE_BUILD_TYPE=Release && trees+=(build)
if [ "${FOLIO_TEST_NO_ASAN:-0}" != "1" ]; then
  build asan build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOLIO_SANITIZE=ON \
    -DFOLIO_BUILD_BENCH=OFF && trees+=(build-asan)
fi

if [ "${#trees[@]}" -gt 0 ]; then
  note "matrix: servers, then ctest in ${trees[*]}"
  log="$ROOT/build/matrix.log"
  mkdir -p "$ROOT/build"
  # Leaks inside the third-party ODBC drivers are suppressed (tests/lsan.supp), not folio's.
  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$ROOT/tests/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$ROOT/scripts/matrix/run.sh" "${trees[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # "100% tests passed, 0 tests failed out of 12", one line per tree
  summaries=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" || true)
  if [ "$(printf '%s\n' "$summaries" | grep -c 'out of')" -ne "${#trees[@]}" ]; then
    fail_step "matrix (a tree printed no ctest summary, or the servers did not start)"
  fi
  while read -r line; do
    [ -n "$line" ] || continue
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    n=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + n - f))
    failed=$((failed + f))
  done <<<"$summaries"
  [ "$rc" -eq 0 ] || status=1
fi

if [ "$FUZZ_SECONDS" -gt 0 ]; then
  note "fuzz: jscan for ${FUZZ_SECONDS}s (clang, libFuzzer)"
  if cmake -S "$ROOT" -B "$ROOT/build-fuzz" -DCMAKE_C_COMPILER=clang -DFOLIO_BUILD_FUZZ=ON \
    -DFOLIO_BUILD_TESTS=OFF -DFOLIO_BUILD_BENCH=OFF >/dev/null &&
    cmake --build "$ROOT/build-fuzz" -j"$JOBS" --target fuzz_jscan >/dev/null; then
    corpus=$(mktemp -d)
    if "$ROOT/build-fuzz/fuzz/fuzz_jscan" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
      "$corpus" >"$ROOT/build-fuzz/fuzz.log" 2>&1; then
      echo "fuzz: jscan: no crash, no leak, no disagreement in ${FUZZ_SECONDS}s"
      passed=$((passed + 1))
    else
      tail -n 40 "$ROOT/build-fuzz/fuzz.log"
      fail_step "fuzz jscan"
    fi
    rm -rf "$corpus"
  else
    fail_step "fuzz build"
  fi
fi

[ "$failed" -eq 0 ] || status=1
echo
echo "$passed passed, $failed failed"
exit "$status"
