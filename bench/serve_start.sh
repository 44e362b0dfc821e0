#!/usr/bin/env bash
# How long `joinedup serve` takes to start on a store, and its memory once started: from the
# state kept with the log, from it and a tail stored after it, and from the whole log (the
# kept state removed); with OLD_JOINEDUP, a build before, on a store of its own.
#
#   bench/serve_start.sh [OLD_JOINEDUP]
#
# Environment: EVENTS (1000000: `generate --events EVENTS --from 2014-10-01 --to 2017-10-01
# --seed 1`), RUNS (3: medians), DATA (bench/data/store-EVENTS), TAIL_PCT (5: the last lines
# of the log stored after the kept state, by a writer that keeps none), CARGO_TARGET_DIR.
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
files=("$DATA/orgs.csv" "$DATA/population.csv" "$DATA/events.jsonl")

# One start: "seconds resident_MB peak_MB how" once the service says it is serving.
start_once() {   # binary db
    local log="$W/serve.log" pid rss hwm
    "$1" serve --db "$2" --addr 127.0.0.1:0 --today 2017-10-01 2> "$log" &
    pid=$!
    for _ in $(seq 1 3000); do
        grep -q "is serving" "$log" && break
        kill -0 "$pid" 2> /dev/null || { cat "$log" >&2; return 1; }
        sleep 0.05
    done
    rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
    hwm=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status")
    kill "$pid"
    wait "$pid" 2> /dev/null || true
    local secs how
    secs=$(grep -o 'read in [0-9.]* s' "$log" | awk '{ print $3 }')
    how=$(grep -o 'read in [^)]*' "$log" | sed 's/^read in [0-9.]* s:\{0,1\} *//')
    echo "$secs $rss $hwm ${how:-the whole log}"
}
# The median line of RUNS "seconds resident peak how" lines, in words.
median() {
    sort -n | awk -v n="$RUNS" '{ line[NR] = $0 } END {
        m = line[int((n + 1) / 2)]; split(m, f, " "); how = m; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", how);
        printf "%.2f s (median of %d), %d MB resident, %d MB peak: %s\n", f[1], n, f[2], f[3], how }'
}
# The median of RUNS starts; `fresh` copies the store before each (a start from the whole
# log keeps a state that the next would use) and removes the kept state.
starts() {   # binary db fresh|same
    for ((k = 1; k <= RUNS; k++)); do
        local db="$2"
        if [ "$3" = fresh ]; then
            cp "$2" "$W/run.db"
            python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM facts_snapshot"); c.commit()' "$W/run.db"
            db="$W/run.db"
        fi
        start_once "$1" "$db"
    done | median
}

echo "## serve's start, $EVENTS events ($(wc -l < "$DATA/events.jsonl") lines)"
"$NEW" import --db "$W/new.db" "${files[@]}" 2> /dev/null
echo "- from the kept state: $(starts "$NEW" "$W/new.db" same)"
echo "- from the whole log (the kept state removed): $(starts "$NEW" "$W/new.db" fresh)"
if [ -n "$OLD" ]; then
    "$OLD" import --db "$W/old.db" "${files[@]}" 2> /dev/null
    echo "- before ($OLD): $(starts "$OLD" "$W/old.db" same)"
fi
n=$(wc -l < "$DATA/events.jsonl")
head_n=$((n - n * TAIL_PCT / 100))
head -n "$head_n" "$DATA/events.jsonl" > "$W/head.jsonl"
tail -n +"$((head_n + 1))" "$DATA/events.jsonl" > "$W/tail.jsonl"
"$NEW" import --db "$W/tail.db" "$DATA/orgs.csv" "$DATA/population.csv" "$W/head.jsonl" 2> /dev/null
"$COST" "$W/tail.db" --tail "$W/tail.jsonl" > /dev/null
# Each start with the tail on a copy: a start may refresh the kept state.
cp "$W/tail.db" "$W/tail0.db"
tailed() { for ((k = 1; k <= RUNS; k++)); do cp "$W/tail0.db" "$W/tail.db"; start_once "$NEW" "$W/tail.db"; done; }
echo "- from the kept state and a tail of $TAIL_PCT%: $(tailed | median)"
echo
echo "## reading the kept state (the store with the tail)"
"$COST" "$W/tail.db" | sed 's/^/- /'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
