# shellcheck shell=bash disable=SC2034
# Helpers shared by start.sh and stop.sh (sourced, not run).

# The marker that tells stop.sh a directory is a matrix directory it may remove.
MATRIX_MARKER=.folio-matrix

PG_BIN=${FOLIO_PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf 'matrix: %s\n' "$*"; }
warn() { printf 'matrix: %s\n' "$*" >&2; }

# Prints the last lines of each log file given, for a failure report.
show_logs() {
  local f
  for f in "$@"; do
    if [ -s "$f" ]; then
      printf '\n---- last 40 lines of %s ----\n' "$f" >&2
      tail -n 40 "$f" >&2
      printf -- '---- end of %s ----\n' "$f" >&2
    fi
  done
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# as_user USER CMD...: runs CMD as USER when we are root (PostgreSQL refuses
# to run as root), as ourselves otherwise (USER is then ourselves anyway).
as_user() {
  local user=$1
  shift
  if is_root && [ "$user" != root ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# pid_alive PID: the process exists (a zombie counts as gone).
pid_alive() {
  local pid=$1 state
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [ "$state" != Z ]
}

# wait_gone PID SECONDS: waits until PID has exited; 1 on timeout.
wait_gone() {
  local pid=$1 tenths=$(($2 * 10))
  while pid_alive "$pid"; do
    if [ "$tenths" -le 0 ]; then
      return 1
    fi
    sleep 0.1
    tenths=$((tenths - 1))
  done
  return 0
}
