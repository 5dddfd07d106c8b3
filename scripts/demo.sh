#!/usr/bin/env bash
# The demo: installs what the build needs (Debian), builds folio in build/,
# and walks through the folio command on a fresh data directory
# (./folio-demo-data): a database, a store, an import of
# examples/contacts.jsonl, a listing, one document, a change, a deletion, the
# changes feed and an export.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${FOLIO_JOBS:-2}
DATA="$ROOT/folio-demo-data"

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B='' N=''; fi
say() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }

say "Debian packages"
"$ROOT/scripts/setup-debian.sh"

say "Build (build/, Release)"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$ROOT/build" -j"$JOBS" --target folio
FOLIO="$ROOT/build/folio"

say "A fresh data directory: $DATA"
rm -rf "$DATA"
mkdir -p "$DATA"
export FOLIO_SERVER="sqlite:$DATA/folio.db"
echo "FOLIO_SERVER=$FOLIO_SERVER"
echo "(--server URL overrides it; without either, folio uses sqlite:./folio-data/folio.db)"
# Shows a command as one would type it: arguments with spaces or quotes in single quotes.
show() {
  local out='$' a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@+-]+$ ]]; then out+=" $a"; else out+=" '$a'"; fi
  done
  printf '%s\n' "$out"
}
folio() { show folio "$@"; "$FOLIO" "$@"; }

say "Create the database \"demo\" and the store \"contacts\" (city and age extracted)"
folio db create demo
folio store create demo contacts \
  --options '{"label":"Contacts","fields":[{"name":"city","path":"city","type":"string"},{"name":"age","path":"age","type":"number"}]}'
folio db list
folio store list demo

say "Import examples/contacts.jsonl (one transaction)"
folio import demo contacts "$ROOT/examples/contacts.jsonl"

say "List the documents"
folio ls demo contacts

say "Get one document"
folio get demo contacts ada-lovelace --pretty

say "Save a new document from stdin (a new ULID), update one, delete one"
printf '$ echo %s | folio put demo contacts\n' "'{\"name\":\"Ken Thompson\",\"city\":\"Berkeley\",\"age\":82}'"
echo '{"name":"Ken Thompson","city":"Berkeley","age":82}' | "$FOLIO" put demo contacts
printf '$ echo %s | folio put demo contacts alan-turing\n' "'{\"name\":\"Alan Turing\",\"city\":\"Wilmslow\",\"age\":41}'"
echo '{"name":"Alan Turing","city":"Wilmslow","age":41}' | "$FOLIO" put demo contacts alan-turing
folio rm demo contacts linus-pauling

say "The changes feed of \"demo\" (each document once, at its latest change)"
folio changes demo

say "Export the store as JSON Lines (to $DATA/contacts-export.jsonl)"
printf '$ folio export demo contacts > %s\n' "$DATA/contacts-export.jsonl"
"$FOLIO" export demo contacts >"$DATA/contacts-export.jsonl"
echo "$(wc -l <"$DATA/contacts-export.jsonl") documents exported; the first:"
head -n 1 "$DATA/contacts-export.jsonl"

say "Done. The data is in $DATA; try: FOLIO_SERVER=$FOLIO_SERVER $FOLIO --help"
