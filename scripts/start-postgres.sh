#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for the records tests, and print its URL.
#
#   bash scripts/start-postgres.sh [--install] [DIR]   -> prints postgresql://posture@127.0.0.1:PORT/posture
#   bash scripts/start-postgres.sh --stop DIR          -> stops it and removes DIR
#
# --install: apt-get install Debian's postgresql first if no server binaries are found (needs root).
# The cluster lives in DIR (default: a new temporary folder), trusts local connections, listens on
# 127.0.0.1 only, on a free port, and holds nothing but test data. As root it runs as the
# `postgres` user (PostgreSQL refuses to run as root).
# Use: export POSTURE_TEST_PG_URL=$(bash scripts/start-postgres.sh --install)
set -euo pipefail

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

as_owner() {  # run a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-}" = "--stop" ]; then
  dir="${2:?usage: start-postgres.sh --stop DIR}"
  bin="$(find_bin)"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

install=0
if [ "${1:-}" = "--install" ]; then install=1; shift; fi
if ! bin="$(find_bin)"; then
  if [ "$install" = 1 ] && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    bin="$(find_bin)"
  else
    echo "start-postgres: no PostgreSQL server found (install Debian's postgresql, or pass --install as root)" >&2
    exit 3
  fi
fi

dir="${1:-$(mktemp -d /tmp/posture-pg.XXXXXX)}"
mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  if ! runuser -u postgres -- test -w "$dir"; then
    echo "start-postgres: the postgres user cannot write to $dir (a parent folder is private): use a folder under /tmp" >&2
    exit 4
  fi
fi
trap 'echo "start-postgres: failed; see $dir/initdb.log and $dir/server.log" >&2; tail -n 5 "$dir"/*.log >&2 2>/dev/null' ERR
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_owner "$bin/initdb" -D "$dir/data" -U posture --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U posture posture
echo "postgresql://posture@127.0.0.1:$port/posture"
