#!/usr/bin/env bash
# Starts the throwaway servers of the test matrix, everything under DIR:
#
#   DIR/pg, DIR/pgsock, DIR/pg.log   PostgreSQL 15 cluster, 127.0.0.1:$FOLIO_PG_PORT (54329)
#   DIR/my, DIR/myrun/               MariaDB datadir; socket, pid file and log
#                                    (127.0.0.1:$FOLIO_MARIADB_PORT, 33069)
#   DIR/odbc/odbcinst.ini, odbc.ini  drivers FolioPostgreSQL, FolioMariaDB, FolioSQLite3;
#                                    DSNs folio_pg, folio_mariadb, folio_sqlite
#   DIR/env                          the variables the tests read: `source DIR/env`
#
# Both servers trade durability for speed (fsync off) and listen on loopback
# only. Role/user `folio`, password `fo-secret-7`, may create databases (on
# PostgreSQL CREATEDB, not SUPERUSER, as an application account would be).
# As root, PostgreSQL runs as `postgres` and MariaDB as `mysql` (created as
# system users when absent); as anyone else, both run as that user.
#
# Fails (exit 1) with the server's log tail when anything does not come up,
# stopping what it had started and keeping DIR for inspection. A DIR left by
# a previous run (it holds the marker file) is stopped and reused; any other
# non-empty DIR is refused. Installs nothing: scripts/setup-debian.sh does.
#
#   scripts/matrix/start.sh DIR && source DIR/env && ... && scripts/matrix/stop.sh DIR
set -Eeuo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi

PG_PORT=${FOLIO_PG_PORT:-54329}
MY_PORT=${FOLIO_MARIADB_PORT:-33069}
MARIADBD=${FOLIO_MARIADBD:-/usr/sbin/mariadbd}
# Connection settings from the caller's environment must not redirect our checks.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGSSLMODE PGOPTIONS PGPASSFILE

DIR=$1
STARTED_PG=0
MY_PID=

# Stops what this run started (the servers), keeps DIR and its logs.
undo() {
  if [ "$STARTED_PG" = 1 ] && [ -f "$DIR/pg/postmaster.pid" ]; then
    as_user "$PG_USER" "$PG_BIN/pg_ctl" -D "$DIR/pg" -m immediate -w -t 30 -s stop \
      >/dev/null 2>&1 || true
  fi
  if [ -n "$MY_PID" ] && pid_alive "$MY_PID"; then
    kill -TERM "$MY_PID" 2>/dev/null || true
    wait_gone "$MY_PID" 30 || kill -KILL "$MY_PID" 2>/dev/null || true
  fi
}

# fail MESSAGE [LOG...]: reports, shows the logs' tails, stops what was started, exits 1.
fail() {
  local msg=$1
  shift
  trap - ERR
  warn "FAILED: $msg"
  show_logs "$@"
  undo
  if [ -f "$DIR/$MATRIX_MARKER" ]; then
    warn "FAILED: $msg (logs kept in $DIR; scripts/matrix/stop.sh $DIR removes it)"
  fi
  exit 1
}
trap 'fail "command failed at start.sh line $LINENO"' ERR

# ---- the directory -----------------------------------------------------------

case $DIR in
  *[!A-Za-z0-9._/-]*) fail "DIR '$DIR' has characters outside [A-Za-z0-9._/-]" ;;
esac
if [ -e "$DIR" ]; then
  if [ -f "$DIR/$MATRIX_MARKER" ]; then
    say "stopping and removing the previous matrix in $DIR"
    "$HERE/stop.sh" "$DIR" || fail "could not clean the previous matrix in $DIR"
  elif [ -n "$(ls -A "$DIR")" ]; then
    fail "$DIR exists, is not empty and is not a matrix directory"
  fi
fi
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
touch "$DIR/$MATRIX_MARKER"
chmod 755 "$DIR"
cd "$DIR"

ensure_user() {
  if ! getent passwd "$1" >/dev/null; then
    say "creating system user $1"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$1"
  fi
}

if is_root; then
  PG_USER=postgres
  MY_USER=mysql
  ensure_user "$PG_USER"
  ensure_user "$MY_USER"
else
  PG_USER=$(id -un)
  MY_USER=$PG_USER
fi
for u in "$PG_USER" "$MY_USER"; do
  as_user "$u" test -x "$DIR" ||
    fail "user $u cannot reach $DIR (its parent directories must be searchable: use /tmp)"
done

# own USER PATH...: gives the paths to USER (when we are root).
own() {
  local user=$1
  shift
  if is_root; then
    chown "$user:" "$@"
  fi
}

# ---- PostgreSQL ----------------------------------------------------------------

start_pg() {
  local data=$DIR/pg sock=$DIR/pgsock log=$DIR/pg.log ilog=$DIR/pg-initdb.log
  local t0=$SECONDS

  [ -x "$PG_BIN/initdb" ] || fail "no $PG_BIN/initdb (package postgresql-15)"
  if [ ${#sock} -gt 90 ]; then
    fail "socket directory $sock is too long for a unix socket path"
  fi
  mkdir -p "$data" "$sock"
  touch "$log"
  chmod 700 "$data" "$sock"
  own "$PG_USER" "$data" "$sock" "$log"

  as_user "$PG_USER" "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-sync --no-instructions \
    >"$ilog" 2>&1 || fail "PostgreSQL initdb failed" "$ilog"

  cat >>"$data/postgresql.conf" <<EOF

# ---- folio test matrix (scripts/matrix/start.sh): throwaway, speed over durability
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF

  STARTED_PG=1
  as_user "$PG_USER" "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -s start \
    >>"$ilog" 2>&1 || fail "PostgreSQL did not start on 127.0.0.1:$PG_PORT" "$ilog" "$log"

  as_user "$PG_USER" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$PG_PORT" \
    -U postgres -d postgres \
    -c "CREATE ROLE folio LOGIN CREATEDB PASSWORD 'fo-secret-7'" \
    -c "CREATE DATABASE folio OWNER folio" >>"$ilog" 2>&1 ||
    fail "PostgreSQL: could not create role and database folio" "$ilog" "$log"

  # What the tests do: TCP, password (SCRAM).
  local got
  got=$(env PGPASSWORD=fo-secret-7 PGCONNECT_TIMEOUT=10 "$PG_BIN/psql" -X -w -tA \
    -h 127.0.0.1 -p "$PG_PORT" -U folio -d folio -c 'SELECT 40 + 2' 2>>"$ilog") ||
    fail "PostgreSQL: folio cannot log in over TCP with its password" "$ilog" "$log"
  [ "$got" = 42 ] || fail "PostgreSQL: unexpected answer '$got'" "$ilog" "$log"
  say "PostgreSQL up on 127.0.0.1:$PG_PORT ($((SECONDS - t0)) s)"
}

# ---- MariaDB ---------------------------------------------------------------------

my_root() {
  mariadb --no-defaults --protocol=socket --socket="$DIR/myrun/mariadb.sock" -uroot "$@"
}

start_mariadb() {
  local data=$DIR/my run=$DIR/myrun ilog=$DIR/my-install.log
  local log=$DIR/myrun/mariadbd.log out=$DIR/myrun/mariadbd.out
  local t0=$SECONDS i user_opt=()

  [ -x "$MARIADBD" ] || fail "no $MARIADBD (package mariadb-server)"
  mkdir -p "$data" "$run"
  own "$MY_USER" "$data" "$run"
  if is_root; then
    user_opt=(--user="$MY_USER")
  fi

  mariadb-install-db --no-defaults --datadir="$data" "${user_opt[@]}" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    >"$ilog" 2>&1 || fail "mariadb-install-db failed" "$ilog"

  # setsid: a ^C meant for the test run does not reach the server; stop.sh stops it.
  setsid "$MARIADBD" --no-defaults "${user_opt[@]}" \
    --datadir="$data" \
    --socket="$run/mariadb.sock" \
    --pid-file="$run/mariadbd.pid" \
    --log-error="$log" \
    --bind-address=127.0.0.1 --port="$MY_PORT" --skip-networking=0 \
    --skip-name-resolve \
    --max-connections=300 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --innodb-use-native-aio=0 \
    </dev/null >"$out" 2>&1 &
  MY_PID=$!
  echo "$MY_PID" >"$DIR/mariadbd.pid"

  for ((i = 0; i < 600; i++)); do
    if ! pid_alive "$MY_PID"; then
      MY_PID=
      fail "MariaDB exited during startup (port 127.0.0.1:$MY_PORT)" "$out" "$log"
    fi
    if mariadb-admin --no-defaults --protocol=socket --socket="$run/mariadb.sock" \
      -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
      break
    fi
    sleep 0.1
  done
  [ "$i" -lt 600 ] || fail "MariaDB did not answer within 60 s" "$out" "$log"

  # 'localhost' is the socket; '127.0.0.1' is TCP (names are not resolved).
  my_root -e "
    CREATE USER 'folio'@'127.0.0.1' IDENTIFIED BY 'fo-secret-7';
    CREATE USER 'folio'@'localhost' IDENTIFIED BY 'fo-secret-7';
    GRANT ALL PRIVILEGES ON *.* TO 'folio'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'folio'@'localhost';
    CREATE DATABASE folio;" >>"$ilog" 2>&1 ||
    fail "MariaDB: could not create user and database folio" "$ilog" "$log"

  local got
  got=$(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -ufolio -pfo-secret-7 \
    --connect-timeout=10 -N -B -e 'SELECT 40 + 2' 2>>"$ilog") ||
    fail "MariaDB: folio cannot log in over TCP with its password" "$ilog" "$log"
  [ "$got" = 42 ] || fail "MariaDB: unexpected answer '$got'" "$ilog" "$log"
  say "MariaDB up on 127.0.0.1:$MY_PORT ($((SECONDS - t0)) s)"
}

# ---- ODBC --------------------------------------------------------------------------

# find_driver PACKAGE FILE: the full path of FILE as installed by PACKAGE
# (wherever the multiarch directory is), or nothing.
find_driver() {
  local path
  path=$(dpkg -L "$1" 2>/dev/null | grep -E "/$2\$" | head -n 1 || true)
  if [ -n "$path" ] && [ -f "$path" ]; then
    printf '%s\n' "$path"
  fi
}

# odbc_check DSN WANT: a query through the driver manager returns WANT.
odbc_check() {
  local dsn=$1 log=$DIR/odbc/check.log
  if ! echo "SELECT 4242" | isql -b -v "$dsn" folio fo-secret-7 >"$log" 2>&1 ||
    ! grep -q 4242 "$log"; then
    fail "ODBC: DSN $dsn does not answer through unixODBC" "$log"
  fi
}

setup_odbc() {
  local odbc=$DIR/odbc psql_so maria_so sqlite_so
  psql_so=$(find_driver odbc-postgresql psqlodbcw.so)
  maria_so=$(find_driver odbc-mariadb libmaodbc.so)
  sqlite_so=$(find_driver libsqliteodbc libsqlite3odbc.so)
  [ -n "$psql_so" ] || fail "ODBC driver psqlodbcw.so not found (package odbc-postgresql)"
  [ -n "$maria_so" ] || fail "ODBC driver libmaodbc.so not found (package odbc-mariadb)"
  [ -n "$sqlite_so" ] || fail "ODBC driver libsqlite3odbc.so not found (package libsqliteodbc)"
  command -v isql >/dev/null || fail "no isql (package unixodbc)"
  mkdir -p "$odbc"

  # Threading=0: no driver-manager lock around each call; the three drivers
  # are thread-safe per connection and folio never shares a connection
  # between threads at once. CommLog/Debug: Debian's own psqlodbc entry
  # turns the communication log on; ours must not write logs.
  cat >"$odbc/odbcinst.ini" <<EOF
; Generated by scripts/matrix/start.sh for the folio test matrix.
[ODBC]
Trace = No
Pooling = No

[FolioPostgreSQL]
Description = PostgreSQL Unicode (psqlodbc), folio test matrix
Driver = $psql_so
Threading = 0
CommLog = 0
Debug = 0

[FolioMariaDB]
Description = MariaDB Connector/ODBC, folio test matrix
Driver = $maria_so
Threading = 0

[FolioSQLite3]
Description = SQLite 3 (sqliteodbc), folio test matrix
Driver = $sqlite_so
Threading = 0
EOF

  cat >"$odbc/odbc.ini" <<EOF
; Generated by scripts/matrix/start.sh for the folio test matrix.
; The tests connect with DRIVER=... strings (tests/support/testenv.c);
; these DSNs are for people: isql -v folio_pg folio fo-secret-7
[folio_pg]
Driver = FolioPostgreSQL
Servername = 127.0.0.1
Port = $PG_PORT
Database = folio
Username = folio
Password = fo-secret-7
UseServerSidePrepare = 1
BoolsAsChar = 0
ByteaAsLongVarBinary = 1
LFConversion = 0

[folio_mariadb]
Driver = FolioMariaDB
Server = 127.0.0.1
Port = $MY_PORT
Database = folio
User = folio
Password = fo-secret-7
Charset = utf8mb4
Option = 2

[folio_sqlite]
Driver = FolioSQLite3
Database = $odbc/folio_sqlite.db
StepAPI = 1
BigInt = 1
EOF

  export ODBCSYSINI=$odbc ODBCINI=$odbc/odbc.ini
  odbc_check folio_pg
  odbc_check folio_mariadb
  odbc_check folio_sqlite
  say "ODBC drivers and DSNs registered in $odbc"
}

# The command that restarts PostgreSQL, for the reconnection test.
restart_cmd() {
  local run=""
  if is_root && [ "$PG_USER" != root ]; then
    run="runuser -u $PG_USER -- "
  fi
  printf '%s%s -D %s -l %s -w -t 60 -s -m fast restart' "$run" "$PG_BIN/pg_ctl" "$DIR/pg" \
    "$DIR/pg.log"
}

# ---- go ------------------------------------------------------------------------------

start_pg
start_mariadb
setup_odbc

cat >"$DIR/env" <<EOF
# Generated by scripts/matrix/start.sh: the test matrix's servers. Source it.
export FOLIO_TEST_MATRIX_DIR=$DIR
export ODBCSYSINI=$DIR/odbc
export ODBCINI=$DIR/odbc/odbc.ini
export FOLIO_TEST_PG=postgresql://folio:fo-secret-7@127.0.0.1:$PG_PORT
export FOLIO_TEST_MARIADB_HOST=127.0.0.1
export FOLIO_TEST_MARIADB_PORT=$MY_PORT
export FOLIO_TEST_MARIADB_USER=folio
export FOLIO_TEST_MARIADB_PASSWORD=fo-secret-7
# How tests/test_pg.c restarts the server under an open folio Server (run serially).
export FOLIO_TEST_PG_RESTART="$(restart_cmd)"
EOF
trap - ERR
say "ready: source $DIR/env"
