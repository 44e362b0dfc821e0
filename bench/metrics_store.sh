#!/usr/bin/env bash
# `metrics --db` from the facts the store keeps (and the events stored after them) against
# reading every stored event; what an import pays to keep them; what a refresh costs.
#
#   bench/metrics_store.sh [OLD_JOINEDUP]   # OLD_JOINEDUP: a build before the kept facts
#                                           # (timed on a store of its own, outputs compared)
#
# Environment: EVENTS (1000000: `generate --events EVENTS --from 2014-10-01 --to 2017-10-01
# --seed 1`), RUNS (3: medians), DATA (bench/data/store-EVENTS), TAIL_PCT (5: the last lines
# of the log stored after the kept facts, by a writer that keeps none), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="${1:-}"
EVENTS="${EVENTS:-1000000}" RUNS="${RUNS:-3}" TAIL_PCT="${TAIL_PCT:-5}"
DATA="${DATA:-bench/data/store-$EVENTS}"
T="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p joinedup
cargo build --release -q -p live-log --example stored_facts_cost
NEW="$T/release/joinedup" COST="$T/release/examples/stored_facts_cost"
[ -f "$DATA/events.jsonl" ] || "$NEW" generate --events "$EVENTS" --from 2014-10-01 \
    --to 2017-10-01 --seed 1 --out "$DATA" >&2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# One run: wall seconds and peak RSS (MB) on one line.
timed() {
    /usr/bin/time -f "%e %M" -o "$W/time" "$@"
    awk '{ printf "%.2f s, %d MB", $1, $2 / 1024 }' "$W/time"
}
# The median wall time of RUNS runs of metrics (output kept in $W/$1.json).
metrics() {   # name binary args...
    local name="$1" bin="$2"
    shift 2
    for ((k = 1; k <= RUNS; k++)); do
        /usr/bin/time -f "%e %M" -o "$W/time" "$bin" metrics "$@" --from 2016-10-01 \
            --to 2017-10-01 --format json > "$W/$name.json"
        cat "$W/time"
    done | sort -n | awk -v n="$RUNS" '{ t[NR] = $1; m[NR] = $2 }
        END { i = int((n + 1) / 2); printf "%.3f s (median of %d), %d MB\n", t[i], n, m[i] / 1024 }'
}
files=("$DATA/orgs.csv" "$DATA/population.csv" "$DATA/events.jsonl")

echo "## metrics --db, $EVENTS events ($(wc -l < "$DATA/events.jsonl") lines)"
echo "- import, keeping the facts: $(timed "$NEW" import --db "$W/new.db" "${files[@]}" 2>/dev/null)"
if [ -n "$OLD" ]; then
    echo "- import, before: $(timed "$OLD" import --db "$W/old.db" "${files[@]}" 2>/dev/null)"
    echo "- metrics --db, before (every event parsed): $(metrics old "$OLD" --db "$W/old.db")"
fi
echo "- metrics --db --no-cache (every event parsed): $(metrics whole "$NEW" --db "$W/new.db" --no-cache)"
echo "- metrics --db (the kept facts): $(metrics kept "$NEW" --db "$W/new.db")"
cmp "$W/whole.json" "$W/kept.json"
[ -z "$OLD" ] || cmp "$W/old.json" "$W/kept.json"
echo "- the store: $(du -m "$W/new.db" | cut -f1) MB"

n=$(wc -l < "$DATA/events.jsonl")
head_n=$((n - n * TAIL_PCT / 100))
head -n "$head_n" "$DATA/events.jsonl" > "$W/head.jsonl"
tail -n +"$((head_n + 1))" "$DATA/events.jsonl" > "$W/tail.jsonl"
echo
echo "## a tail of $TAIL_PCT% stored after the kept facts"
"$NEW" import --db "$W/tail.db" "$DATA/orgs.csv" "$DATA/population.csv" "$W/head.jsonl" 2>/dev/null
"$COST" "$W/tail.db" --tail "$W/tail.jsonl" | sed 's/^/- /'
echo "- metrics --db (the kept facts and the tail): $(metrics tail "$NEW" --db "$W/tail.db")"
cmp "$W/whole.json" "$W/tail.json"
echo
echo "## a refresh of the facts (on the store with the tail)"
"$COST" "$W/tail.db" | sed 's/^/- /'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
