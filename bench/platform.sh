#!/usr/bin/env bash
# The platform under load: throughput and latency of the dashboard page, GET /api/indicators and
# POST /api/events with 64 concurrent connections, on a demo store, on SQLite and PostgreSQL;
# and the person record and the flow board (a discharge coordinator's, every look audited).
#
#   bench/platform.sh            # both back ends (PostgreSQL: a throwaway cluster, or
#                                # JOINEDUP_BENCH_DATABASE_URL for an existing empty database)
#   DURATION=30s bench/platform.sh
#   REQUESTS=people bench/platform.sh   # only the person record and the flow board
#   BIN=OLD/joinedup bench/platform.sh  # another build, not built here
#
# Uses wrk (installed from Debian's packages if missing); results go to bench/results/platform.md
# (bench/results/people.md for REQUESTS=people).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
REQUESTS=${REQUESTS:-all}
OUT=bench/results/platform.md
[ "$REQUESTS" = people ] && OUT=bench/results/people.md
mkdir -p bench/data bench/results

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# BIN: another build to measure (e.g. the one before a change, on the same machine and load).
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p joinedup
  BIN=target/release/joinedup
fi

start_server() { # $1: --db value; sets ADDR and PID
  local log=bench/data/serve.log
  "$BIN" serve --demo --today 2026-12-01 --db "$1" --addr 127.0.0.1:0 2> "$log" &
  PID=$!
  ADDR=""
  for _ in $(seq 1 300); do
    ADDR=$(sed -n 's|.* at http://\([0-9.:]*\)/.*|\1|p' "$log" | head -n 1)
    [ -n "$ADDR" ] && break
    sleep 0.5
  done
  [ -n "$ADDR" ] || { cat "$log"; exit 1; }
  grep "demo:" "$log" | sed 's/^/    /' >> "$OUT"
}

token_of() {
  curl -fsS -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"demo\"}" \
    "http://$ADDR/api/session" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p'
}

# One wrk run: a line of the table (requests/s, p50, p99, errors).
measure() { # $1 name, $2.. wrk arguments
  local name=$1; shift
  local r
  r=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" 2>&1)
  local rps p50 p99 non2xx errors
  rps=$(echo "$r" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
  p50=$(echo "$r" | awk '$1=="50%"{print $2}')
  p99=$(echo "$r" | awk '$1=="99%"{print $2}')
  non2xx=$(echo "$r" | sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
  errors=$(echo "$r" | sed -n 's/.*Socket errors: \(.*\)/\1/p')
  echo "| $STORE | $name | $rps | $p50 | $p99 | ${non2xx:-0} | ${errors:-none} |" >> "$OUT"
  echo "$r" > "bench/data/wrk-$STORE-$(echo "$name" | tr -c 'a-z0-9' '-').txt"
}

run_backend() { # $1 store kind, $2 --db
  STORE=$1
  echo "" >> "$OUT"
  echo "### $STORE" >> "$OUT"
  start_server "$2"
  local reader writer
  reader=$(token_of analyst)
  writer=$(token_of discharge_coordinator)
  # The people on the discharge coordinator's board: the records the person-record rows read.
  local people=bench/data/people-$STORE.txt
  curl -fsS -H "Authorization: Bearer $writer" "http://$ADDR/api/flow-board" \
    | grep -o '"person":"[0-9]*"' | sed 's/.*:"\([0-9]*\)"/\1/' | sort -u > "$people"
  echo "" >> "$OUT"
  echo "$(wc -l < "$people") people on the board read in turn by the person-record rows." >> "$OUT"
  echo "" >> "$OUT"
  echo "| store | request | requests/s | p50 | p99 | non-2xx | socket errors |" >> "$OUT"
  echo "|---|---|---:|---:|---:|---:|---|" >> "$OUT"
  measure "GET /api/flow-board" -H "Authorization: Bearer $writer" "http://$ADDR/api/flow-board"
  measure "GET /flow-board (page)" -H "Authorization: Bearer $writer" "http://$ADDR/flow-board"
  TOKEN=$writer PEOPLE=$people measure "GET /api/people/{nhs}/timeline" -s bench/wrk/people.lua "http://$ADDR"
  TOKEN=$writer PEOPLE=$people PATH_FORMAT="/people/%s" measure "GET /people/{nhs} (page)" -s bench/wrk/people.lua "http://$ADDR"
  if [ "$REQUESTS" = all ]; then
    measure "GET /dashboard" -H "Authorization: Bearer $reader" "http://$ADDR/dashboard"
    measure "GET /api/indicators" -H "Authorization: Bearer $reader" "http://$ADDR/api/indicators"
    measure "GET /api/indicators?by=month (a year)" -H "Authorization: Bearer $reader" \
      "http://$ADDR/api/indicators?from=2025-12-01&to=2026-12-01&by=month"
    TOKEN=$writer RUN="$STORE-1" RUN_NO=1 EVENTS=1 measure "POST /api/events (1 event each)" -s bench/wrk/append.lua "http://$ADDR"
    TOKEN=$writer RUN="$STORE-10" RUN_NO=2 EVENTS=10 measure "POST /api/events (10 events each)" -s bench/wrk/append.lua "http://$ADDR"
  fi
  kill -TERM "$PID"; wait "$PID" || true
}

{
  echo "# The platform under load"
  echo ""
  echo "\`bench/platform.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, wrk -t2 -c$CONNECTIONS -d$DURATION, a demo store"
  echo "(\`serve --demo --today 2026-12-01\`); the load generator shares the machine's cores with the server."
} > "$OUT"

rm -f bench/data/platform.db*
run_backend sqlite bench/data/platform.db

PG_URL=${JOINEDUP_BENCH_DATABASE_URL:-}
if [ -z "$PG_URL" ]; then
  # A durable cluster (fsync on), unlike the tests' throwaway one.
  eval "$(JOINEDUP_PG_DURABLE=1 scripts/pg-test-cluster.sh start)"
  trap 'scripts/pg-test-cluster.sh stop' EXIT
  PG_URL="${JOINEDUP_TEST_DATABASE_URL%/*}/joinedup_bench"
  psql "$JOINEDUP_TEST_DATABASE_URL" -qc "CREATE DATABASE joinedup_bench" >/dev/null
fi
if "$BIN" serve --help | grep -q postgres; then
  run_backend postgres "$PG_URL"
else
  echo "(serve does not take a PostgreSQL URL in this build)" >> "$OUT"
fi
cat "$OUT"
