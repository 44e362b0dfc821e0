#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#
#   eval "$(scripts/pg-test-cluster.sh start)"   # initdb in a temp dir, start on 127.0.0.1 and a
#                                                # free port; prints the exports to evaluate:
#                                                # JOINEDUP_TEST_DATABASE_URL, JOINEDUP_PG_CLUSTER_DIR
#   scripts/pg-test-cluster.sh stop [DIR]        # stops it and removes the dir (default
#                                                # $JOINEDUP_PG_CLUSTER_DIR)
#
# For local test use only: trust authentication, fsync off (JOINEDUP_PG_DURABLE=1: on, as a real
# server, for benchmarks of durable writes), listening on 127.0.0.1 only, the
# unix socket inside the temp dir. As root, the server runs as the `postgres` user.
set -euo pipefail

MARKER=.joinedup-pg-test-cluster

die() { echo "pg-test-cluster: $*" >&2; exit 1; }

pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] || die "no PostgreSQL server found (Debian: apt-get install postgresql)"
  echo "$d"
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

start() {
  local bin dir port
  bin=$(pg_bin)
  if [ "$(id -u)" = 0 ]; then
    getent passwd postgres >/dev/null || die "running as root needs a postgres user (apt-get install postgresql makes it)"
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/joinedup-pg.XXXXXX")
  touch "$dir/$MARKER"
  mkdir "$dir/sock"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  cd "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${JOINEDUP_PG_DURABLE:-0}" = 1 ] && durability=""
  local started=
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock $durability -c max_connections=200" \
        start >"$dir/pg_ctl.log" 2>&1; then
      started=1
      break
    fi
  done
  [ -n "$started" ] || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2 || true; die "the server did not start"; }
  echo "pg-test-cluster: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
  echo "export JOINEDUP_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$port/postgres'"
  echo "export JOINEDUP_PG_CLUSTER_DIR='$dir'"
}

stop() {
  local dir=${1:-${JOINEDUP_PG_CLUSTER_DIR:-}}
  [ -n "$dir" ] || die "stop: no cluster dir given and JOINEDUP_PG_CLUSTER_DIR is unset"
  [ -f "$dir/$MARKER" ] || die "stop: $dir is not a test cluster made by this script"
  local bin
  bin=$(pg_bin)
  cd /
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir"
  echo "pg-test-cluster: stopped and removed $dir" >&2
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
