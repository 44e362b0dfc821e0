#!/usr/bin/env bash
# Two builds of `joinedup` compared on one log, run in turns (A, B, A, B ...), for a machine
# shared with other work: CPU time (user + system) and peak RSS from `/usr/bin/time -v`,
# medians of RUNS runs each; the outputs of `metrics --format json` must be the same bytes.
#
#   bench/metrics_pair.sh BIN_A BIN_B DATA_DIR        # DATA_DIR holds events.jsonl, orgs.csv, population.csv
#
# Environment: RUNS (5), FROM (2016-10-01), TO (2017-10-01), OUT (a temporary folder: each
# run's output and time report are kept there).
set -euo pipefail
A="$1" B="$2" DATA="$3"
RUNS="${RUNS:-5}" FROM="${FROM:-2016-10-01}" TO="${TO:-2017-10-01}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
cat "$DATA/events.jsonl" > /dev/null   # the page cache
run() {   # name binary k
    /usr/bin/time -v -o "$OUT/$1-$3.time" "$2" metrics --no-cache --events "$DATA/events.jsonl" \
        --orgs "$DATA/orgs.csv" --population "$DATA/population.csv" --from "$FROM" --to "$TO" \
        --format json > "$OUT/$1-$3.json"
    awk -v name="$1" '
        /User time \(seconds\)|System time \(seconds\)/ { cpu += $NF }
        /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /Maximum resident set size/ { rss = $NF }
        END { printf "%s\t%.2f\t%.2f\t%d\n", name, cpu, w, rss / 1024 }' "$OUT/$1-$3.time" >> "$OUT/runs.tsv"
}
: > "$OUT/runs.tsv"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((k = 1; k <= RUNS; k++)); do
    run A "$A" "$k"
    run B "$B" "$k"
    cmp "$OUT/A-1.json" "$OUT/A-$k.json"
    cmp "$OUT/A-1.json" "$OUT/B-$k.json"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$OUT/runs.tsv" <<'PY'
import statistics, sys
runs = {}
for row in open(sys.argv[1]):
    name, cpu, wall, rss = row.split("\t")
    runs.setdefault(name, []).append((float(cpu), float(wall), int(rss)))
for name, r in runs.items():
    med = lambda i: statistics.median(x[i] for x in r)
    print(f"{name}: CPU s median {med(0):.2f} (runs {', '.join(f'{x[0]:.2f}' for x in r)}); "
          f"wall s median {med(1):.2f}; peak RSS MB median {med(2):.0f}")
PY
echo "outputs identical (cmp); runs in $OUT" >&2
