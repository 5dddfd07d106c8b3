#!/usr/bin/env bash
# Installs the Debian packages that folio's build, tests and demo need.
# Idempotent: apt-get runs only when a package is missing. Works as root, or
# through sudo when it exists. Debian 12 (bookworm).
set -euo pipefail

# The build and the tests.
PACKAGES=(
  build-essential
  cmake
  pkg-config
  libjson-c-dev
  libsqlite3-dev
  libsodium-dev
  libcmocka-dev
  clang          # sanitizers and fuzzers
  sqlite3
  # The PostgreSQL and ODBC drivers (CMakeLists.txt requires libpq and odbc).
  libpq-dev
  unixodbc-dev
  # The backend test matrix (scripts/matrix/): its servers and ODBC drivers.
  unixodbc
  postgresql
  mariadb-server
  odbc-postgresql
  odbc-mariadb
  libsqliteodbc
  # The LDAP directory (security/ldap.c, libldap) and its tests: a throwaway
  # slapd (scripts/ldap/), ldap-utils for its checks, openssl for its certificate.
  libldap-dev
  slapd
  ldap-utils
  openssl
)

# ---- To be added by later issues (move a line up into PACKAGES when its
# ---- code lands; keep this list in step with the CMake pkg_check_modules calls):
#   libmicrohttpd-dev                                 folio serve (REST)
#   libcurl4-openssl-dev                              HTTP replication transport
LATER_PACKAGES=()

want=("${PACKAGES[@]}" "${LATER_PACKAGES[@]}")

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-debian: all ${#want[@]} packages are installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "setup-debian: missing packages: ${missing[*]}" >&2
  echo "setup-debian: not root and no sudo: install them as root" >&2
  exit 1
fi

echo "setup-debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# slapd would make a system directory of its own (dc=nodomain, /var/lib/ldap)
# and ask for its password: the tests start their own (scripts/ldap/start.sh).
echo "slapd slapd/no_configuration boolean true" | "${SUDO[@]}" debconf-set-selections
# The server packages would start system-wide PostgreSQL, MariaDB and slapd
# services; the tests start their own throwaway servers (scripts/matrix/,
# scripts/ldap/), so keep the packages from starting anything while they install.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  made_policy=1
fi
cleanup() {
  if [ "$made_policy" -eq 1 ]; then
    "${SUDO[@]}" rm -f "$policy"
  fi
}
trap cleanup EXIT
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
