#!/usr/bin/env bash
# Stops the servers that scripts/matrix/start.sh DIR started and removes DIR.
#
# Safe to run twice, after a failed start, or on a DIR that is gone. Refuses
# a directory without start.sh's marker file. Exits 1 (keeping DIR) when a
# server would not stop. FOLIO_MATRIX_KEEP=1 stops the servers but keeps DIR
# and its logs.
#
#   scripts/matrix/stop.sh DIR
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR=$1
if [ ! -e "$DIR" ]; then
  say "$DIR does not exist: nothing to stop"
  exit 0
fi
if [ ! -f "$DIR/$MATRIX_MARKER" ]; then
  warn "$DIR is not a matrix directory (no $MATRIX_MARKER): refusing to touch it"
  exit 1
fi
DIR=$(cd "$DIR" && pwd)
cd /
status=0

# is_proc PID NAME...: PID is alive and its command is one of NAMES (a stale
# pid file must not make us signal an unrelated process).
is_proc() {
  local pid=$1 comm
  shift
  pid_alive "$pid" || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  local n
  for n in "$@"; do
    if [ "$comm" = "$n" ]; then
      return 0
    fi
  done
  return 1
}

stop_pg() {
  local data=$DIR/pg pid owner
  [ -f "$data/postmaster.pid" ] || return 0
  pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
  is_proc "$pid" postgres postmaster || return 0
  owner=$(stat -c %U "$data")
  if ! as_user "$owner" "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 -s stop; then
    warn "pg_ctl stop failed; killing the postmaster $pid"
    show_logs "$DIR/pg.log"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if ! wait_gone "$pid" 10; then
    warn "PostgreSQL (pid $pid) would not stop"
    status=1
  fi
}

stop_mariadb() {
  local pid
  pid=$(cat "$DIR/myrun/mariadbd.pid" 2>/dev/null || cat "$DIR/mariadbd.pid" 2>/dev/null || true)
  is_proc "$pid" mariadbd mysqld || return 0
  # shutdown waits until the server has gone; TERM is the same request.
  if ! mariadb-admin --no-defaults --protocol=socket --socket="$DIR/myrun/mariadb.sock" \
    -uroot --connect-timeout=5 shutdown >/dev/null 2>&1; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if ! wait_gone "$pid" 60; then
    warn "MariaDB (pid $pid) ignored shutdown; killing it"
    show_logs "$DIR/myrun/mariadbd.log"
    kill -KILL "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 10; then
      warn "MariaDB (pid $pid) would not stop"
      status=1
    fi
  fi
}

stop_pg
stop_mariadb

if [ "$status" -ne 0 ]; then
  warn "a server is still running: $DIR kept"
  exit 1
fi
if [ "${FOLIO_MATRIX_KEEP:-0}" = 1 ]; then
  say "servers stopped; $DIR kept (FOLIO_MATRIX_KEEP=1)"
  exit 0
fi
rm -rf -- "$DIR"
say "servers stopped; $DIR removed"
