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
#      a throwaway slapd (scripts/ldap/start.sh) serves the LDAP tests meanwhile;
#   4. runs the fuzzers (JSON scanner, JSON selector parser, SQL-like query
#      parser) for a bounded time in all (clang, libFuzzer).
# Exits non-zero when anything fails or a backend could not start (a backend
# is never skipped). The last line is "N passed, N failed" over everything.
#
#   FOLIO_TEST_NO_ASAN=1   skip the sanitizer tree
#   FOLIO_FUZZ_SECONDS=N   fuzz for N seconds in all, split between the fuzzers
#                          (default 30; 0: no fuzzing)
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
  # The LDAP directory's tests (tests/test_ldap.c) talk to a throwaway slapd on
  # loopback; they fail without it (never skipped). Its environment reaches ctest.
  note "ldap: slapd for the LDAP tests (scripts/ldap/start.sh)"
  ldap_dir=$(mktemp -d "${TMPDIR:-/tmp}/folio-ldap.XXXXXX")
  trap '"$ROOT/scripts/ldap/stop.sh" "$ldap_dir" >/dev/null 2>&1' EXIT
  if "$ROOT/scripts/ldap/start.sh" "$ldap_dir"; then
    # shellcheck source=/dev/null
    . "$ldap_dir/env"
  else
    fail_step "ldap: slapd did not start (test_ldap fails without it)"
  fi

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
  "$ROOT/scripts/ldap/stop.sh" "$ldap_dir" || fail_step "ldap: slapd did not stop"
  trap - EXIT
fi

if [ "$FUZZ_SECONDS" -gt 0 ]; then
  # Three fuzzers share the time: the JSON scanner, the JSON selector parser
  # and the SQL-like query parser, each with its own corpus (seeded from
  # fuzz/NAME.seeds, one input a line), dictionary and log.
  fuzzers=(jscan qjson qtext)
  per=$((FUZZ_SECONDS / ${#fuzzers[@]}))
  [ "$per" -ge 1 ] || per=1
  note "fuzz: ${fuzzers[*]} for ${per}s each (clang, libFuzzer)"
  if cmake -S "$ROOT" -B "$ROOT/build-fuzz" -DCMAKE_C_COMPILER=clang -DFOLIO_BUILD_FUZZ=ON \
    -DFOLIO_BUILD_TESTS=OFF -DFOLIO_BUILD_BENCH=OFF >/dev/null &&
    cmake --build "$ROOT/build-fuzz" -j"$JOBS" --target "${fuzzers[@]/#/fuzz_}" >/dev/null; then
    for f in "${fuzzers[@]}"; do
      corpus=$(mktemp -d)
      args=()
      if [ -f "$ROOT/fuzz/$f.seeds" ]; then
        n=0
        while IFS= read -r line || [ -n "$line" ]; do
          printf '%s' "$line" >"$corpus/seed-$n"
          n=$((n + 1))
        done <"$ROOT/fuzz/$f.seeds"
      fi
      [ -f "$ROOT/fuzz/$f.dict" ] && args+=(-dict="$ROOT/fuzz/$f.dict")
      log="$ROOT/build-fuzz/fuzz-$f.log"
      if "$ROOT/build-fuzz/fuzz/fuzz_$f" ${args[@]+"${args[@]}"} -max_total_time="$per" -timeout=10 \
        "$corpus" >"$log" 2>&1; then
        echo "fuzz: $f: no crash, no leak, no broken check in ${per}s ($(grep -o 'Done [0-9]* runs' "$log"))"
        passed=$((passed + 1))
      else
        tail -n 40 "$log"
        fail_step "fuzz $f"
      fi
      rm -rf "$corpus"
    done
  else
    fail_step "fuzz build"
  fi
fi

[ "$failed" -eq 0 ] || status=1
echo
echo "$passed passed, $failed failed"
exit "$status"
