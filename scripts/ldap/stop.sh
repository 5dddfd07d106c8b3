#!/usr/bin/env bash
# Stops the slapd that scripts/ldap/start.sh DIR started and removes DIR.
#
# Safe to run twice, after a failed start, or on a DIR that is gone. Refuses a
# directory without start.sh's marker file. Exits 1 (keeping DIR) when slapd
# would not stop. FOLIO_LDAP_KEEP=1 stops slapd but keeps DIR and its log.
#
#   scripts/ldap/stop.sh DIR
set -uo pipefail

MARKER=.folio-ldap
say() { printf 'ldap: %s\n' "$*"; }
warn() { printf 'ldap: %s\n' "$*" >&2; }

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR=$1
if [ ! -e "$DIR" ]; then
  say "$DIR does not exist: nothing to stop"
  exit 0
fi
if [ ! -f "$DIR/$MARKER" ]; then
  warn "$DIR is not an LDAP test directory (no $MARKER): refusing to touch it"
  exit 1
fi
DIR=$(cd "$DIR" && pwd)
cd /

# alive PID: the process exists, is not a zombie, and is a slapd (a stale pid
# file must not make us signal an unrelated process).
alive() {
  local pid=$1 state
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [ "$state" != Z ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slapd ]
}

# wait_gone PID TENTHS
wait_gone() {
  local pid=$1 n=$2
  while alive "$pid"; do
    [ "$n" -gt 0 ] || return 1
    sleep 0.1
    n=$((n - 1))
  done
}

status=0
pid=$(cat "$DIR/run/slapd.pid" 2>/dev/null || cat "$DIR/slapd.launch.pid" 2>/dev/null || true)
if alive "$pid"; then
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" 300; then
    warn "slapd (pid $pid) ignored TERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 100; then
      warn "slapd (pid $pid) would not stop: $DIR kept"
      status=1
    fi
  fi
fi
[ "$status" -eq 0 ] || exit 1
if [ "${FOLIO_LDAP_KEEP:-0}" = 1 ]; then
  say "slapd stopped; $DIR kept (FOLIO_LDAP_KEEP=1)"
  exit 0
fi
rm -rf -- "$DIR"
say "slapd stopped; $DIR removed"
