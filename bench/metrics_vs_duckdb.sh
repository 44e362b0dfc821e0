#!/usr/bin/env bash
# `joinedup metrics` against DuckDB and against the cost of only reading the log.
#
#   bench/metrics_vs_duckdb.sh                 # 10 million events (bench/data/10m)
#   EVENTS=200000 bench/metrics_vs_duckdb.sh   # a quick check (bench/data/200k)
#
# Steps: builds the release binary and the parse_floor example; generates the log once
# (`joinedup generate --events $EVENTS --from 2007-10-01 --to 2017-10-01 --seed 1`, kept in
# bench/data/<size>; ten years, because the 999 range of synthetic NHS numbers holds about
# 909,000 people, too few for 10 million events over three); then runs each contender RUNS times under `/usr/bin/time -v`, takes the
# median wall time and peak RSS, and writes bench/results/metrics-<size>.md.
#
# Contenders, all over the period FROM..TO (default 2016-10-01..2017-10-01):
#   joinedup metrics --no-cache   every indicator, --format json, from the files alone
#   joinedup metrics, cold        the same with an empty cache (the run that writes it)
#   joinedup metrics, warm        the same again: served from the cache (another period, format
#                                 or --by would be too); all three outputs must be identical
#   duckdb                  bench/duckdb_indicators.py: three indicators in DuckDB SQL
#   LogReader::read         parse_floor --only read: parse + validate, a sink that counts
#   parse only              parse_floor --only parse: parse on all cores as metrics does (no content
#                           digest), no validation
# The file is read once beforehand so that every run finds it in the page cache.
#
# Environment: EVENTS (10000000), RUNS (3), FROM, TO, SEED (1), PYTHON (python3),
# DATA (the log's folder, bench/data/<size>), RESULTS (bench/results/metrics-<size>.md),
# NO_DUCKDB=1 (leave DuckDB out), CARGO_TARGET_DIR (where cargo builds; target/ by default).
# The cache is a temporary folder of the run's own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

EVENTS="${EVENTS:-10000000}"
RUNS="${RUNS:-3}"
FROM="${FROM:-2016-10-01}"
TO="${TO:-2017-10-01}"
SEED="${SEED:-1}"
PYTHON="${PYTHON:-python3}"

if (( EVENTS % 1000000 == 0 )); then SIZE="$((EVENTS / 1000000))m"
elif (( EVENTS % 1000 == 0 )); then SIZE="$((EVENTS / 1000))k"
else SIZE="$EVENTS"; fi
DATA="${DATA:-bench/data/$SIZE}"
RESULTS="${RESULTS:-bench/results/metrics-$SIZE.md}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say() { printf '%s\n' "$*" >&2; }

# GNU time.
if [[ ! -x /usr/bin/time ]]; then
    say "== installing GNU time"
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi
if [[ -z "${NO_DUCKDB:-}" ]]; then
    "$PYTHON" -c 'import duckdb' 2>/dev/null || "$PYTHON" -m pip install --quiet duckdb
fi

# (a) Build.
say "== building"
cargo build --release -p joinedup
cargo build --release -p journey-log --example parse_floor
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/joinedup"
FLOOR="$TARGET/release/examples/parse_floor"

# (b) The log, generated once (into a temporary folder, moved into place when complete). The
# arguments are stamped beside it: a folder made otherwise is generated again.
GEN_ARGS="--events $EVENTS --from 2007-10-01 --to 2017-10-01 --seed $SEED"
if [[ -s "$DATA/events.jsonl" && -s "$DATA/orgs.csv" && -s "$DATA/population.csv" \
      && "$(cat "$DATA/generated-with.txt" 2>/dev/null)" == "$GEN_ARGS" ]]; then
    say "== using $DATA (generated with $GEN_ARGS)"
else
    if [[ -e "$DATA" ]]; then
        say "== $DATA was not generated with $GEN_ARGS: generating it again"
    fi
    say "== generating $EVENTS events into $DATA"
    rm -rf "$DATA.partial"
    mkdir -p "$(dirname "$DATA")"
    # shellcheck disable=SC2086
    "$BIN" generate --out "$DATA.partial" $GEN_ARGS
    echo "$GEN_ARGS" > "$DATA.partial/generated-with.txt"
    rm -rf "$DATA"
    mv "$DATA.partial" "$DATA"
fi
LOG="$DATA/events.jsonl"
LINES="$(wc -l < "$LOG")"
BYTES="$(stat -c %s "$LOG")"
cat "$LOG" > /dev/null   # warm the page cache

# (c) Measure. Each run appends "name<TAB>wall seconds<TAB>peak RSS kB<TAB>CPU seconds" (user
# and system: on a shared machine, steadier than the wall time) to $WORK/runs.tsv.
# $BEFORE, when set, is run (untimed) before each run.
: > "$WORK/runs.tsv"
export JOINEDUP_CACHE_DIR="$WORK/cache"
# The machine may be shared: its load average (1, 5, 15 minutes) is written beside the figures.
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
measure() {
    local name="$1" stdout="$2"; shift 2
    local k
    for ((k = 1; k <= RUNS; k++)); do
        if [[ -n "${BEFORE:-}" ]]; then eval "$BEFORE"; fi
        say "== $name, run $k/$RUNS"
        if ! /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$stdout"; then
            say "failed: $*"
            cat "$WORK/time.txt" >&2
            exit 1
        fi
        awk -v name="$name" '
            /Elapsed \(wall clock\) time/ {
                n = split($NF, p, ":"); s = 0
                for (i = 1; i <= n; i++) s = s * 60 + p[i]
                wall = s
            }
            /Maximum resident set size/ { rss = $NF }
            /User time \(seconds\)|System time \(seconds\)/ { cpu += $NF }
            END { printf "%s\t%.2f\t%d\t%.2f\n", name, wall, rss, cpu }' "$WORK/time.txt" >> "$WORK/runs.tsv"
        stdout=/dev/null   # keep the first run's output only
    done
}

METRICS=("$BIN" metrics --events "$LOG" --orgs "$DATA/orgs.csv" --population "$DATA/population.csv"
    --from "$FROM" --to "$TO" --format json)
measure "joinedup metrics --no-cache" "$WORK/metrics.json" "${METRICS[@]}" --no-cache
BEFORE='rm -rf "$JOINEDUP_CACHE_DIR"' measure "joinedup metrics, cold (writes the cache)" \
    "$WORK/metrics-cold.json" "${METRICS[@]}"
measure "joinedup metrics, warm (from the cache)" "$WORK/metrics-warm.json" "${METRICS[@]}"
for f in metrics-cold.json metrics-warm.json; do
    cmp "$WORK/metrics.json" "$WORK/$f" || { say "$f differs from the run without the cache"; exit 1; }
done
CACHE_BYTES="$(du -sb "$JOINEDUP_CACHE_DIR" | cut -f1)"
if [[ -z "${NO_DUCKDB:-}" ]]; then
    measure "duckdb" "$WORK/duckdb.json" \
        "$PYTHON" bench/duckdb_indicators.py --events "$LOG" --population "$DATA/population.csv" \
        --from "$FROM" --to "$TO"
else
    echo '{}' > "$WORK/duckdb.json"
fi
measure "LogReader::read (parse + validate)" "$WORK/floor-read.txt" \
    "$FLOOR" "$LOG" --only read
measure "parse only (rayon, no validation, no digest)" "$WORK/floor-parse.txt" \
    "$FLOOR" "$LOG" --only parse

# The results.
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$(dirname "$RESULTS")"
CPU="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
MEM_GB="$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
"$PYTHON" - "$WORK" "$RESULTS" <<PY
import json, statistics, sys
work, out = sys.argv[1], sys.argv[2]
runs = {}
for row in open(f"{work}/runs.tsv"):
    name, wall, rss, cpu = row.rstrip("\n").split("\t")
    runs.setdefault(name, []).append((float(wall), int(rss) / 1024, float(cpu)))
med = {n: (statistics.median(w for w, _, _ in r), statistics.median(m for _, m, _ in r))
       for n, r in runs.items()}
cpu_med = {n: statistics.median(c for _, _, c in r) for n, r in runs.items()}
duck_t, duck_m = med.get("duckdb", (None, None))

metrics = {i["id"]: i["value"] for i in json.load(open(f"{work}/metrics.json"))["indicators"]}
duck = json.load(open(f"{work}/duckdb.json"))
checks = []
for k in ("dtoc_delayed_days_per_100k", "ae_4h_pct", "readmission_30d_pct_65"):
    a, b = metrics.get(k), duck.get(k)
    if "duckdb" not in med:
        continue
    same = (a is None and b is None) or (
        a is not None and b is not None and abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300))
    checks.append((k, a, b, same))
inner = {}
for f in ("floor-read.txt", "floor-parse.txt"):
    for line in open(f"{work}/{f}"):
        for word in line.split():
            if "_seconds=" in word:
                key, v = word.split("=")
                inner[key] = float(v)

L = []
L.append("# \`joinedup metrics\` against DuckDB, $SIZE events")
L.append("")
L.append("Written by \`bench/metrics_vs_duckdb.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC').")
L.append("")
L.append("- Machine: $(nproc) cores (nproc), $CPU, $MEM_GB GiB RAM; $(uname -sr)")
L.append("- Log: \`$LOG\`, $LINES lines, $((BYTES / 1000000)) MB (generated with \`$GEN_ARGS\`), in the page cache")
L.append("- Period: $FROM to $TO. Median of $RUNS runs of each, \`/usr/bin/time -v\` (wall time, CPU time: user + system, peak RSS)")
L.append("- Load average (1, 5, 15 min) on the $(nproc) cores: $LOAD_START at the start of the runs, $LOAD_END at their end")
L.append("- Versions: $(rustc --version), DuckDB $("$PYTHON" -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null || echo 'not run') (default threads), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')")
L.append("- The cache after the runs: $CACHE_BYTES bytes (one entry); the three runs of \`metrics\` gave the same bytes")
L.append("")
L.append("| run | what it computes | time s | CPU s | peak RSS MB | time / DuckDB | RSS / DuckDB |")
L.append("|---|---|---:|---:|---:|---:|---:|")
what = {
    "joinedup metrics --no-cache": "every indicator (read + validate + facts + report)",
    "joinedup metrics, cold (writes the cache)": "the same, and the cache written",
    "joinedup metrics, warm (from the cache)": "the same, the files only digested",
    "duckdb": "3 indicators in DuckDB SQL (\`bench/duckdb_indicators.py\`)",
    "LogReader::read (parse + validate)": "the read \`metrics\` does, events only counted",
    "parse only (rayon, no validation, no digest)": "every line parsed as metrics parses it, nothing checked or kept",
}
ratio = lambda a, b: f"{a / b:.2f}" if b else "-"
for name, (t, m) in med.items():
    L.append(f"| {name} | {what.get(name, '')} | {t:.2f} | {cpu_med[name]:.2f} | {m:.0f} | {ratio(t, duck_t)} | {ratio(m, duck_m)} |")
L.append("")
L.append("Times are of the whole process (start-up included). Inside the processes:")
if "seconds" in duck:
    L.append(f"DuckDB's queries took {duck['seconds']:.2f} s (first run);")
for key, label in (("validated_read_seconds", "LogReader::read"), ("parse_only_seconds", "parse only")):
    if key in inner:
        L.append(f"{label} {inner[key]:.2f} s (first run);")
L[-1] = L[-1].rstrip(";") + "."
L.append("")
L.append("Values of both (they must agree to 1e-9 relative):")
L.append("")
L.append("| indicator | joinedup metrics | DuckDB | agree |")
L.append("|---|---:|---:|---|")
for k, a, b, same in checks:
    L.append(f"| {k} | {a!r} | {b!r} | {'yes' if same else '**NO**'} |")
L.append("")
L.append("All runs (wall s / CPU s / peak RSS MB):")
L.append("")
for name, r in runs.items():
    L.append(f"- {name}: " + ", ".join(f"{w:.2f} s / {c:.2f} s / {m:.0f} MB" for w, m, c in r))
open(out, "w").write("\n".join(L) + "\n")
print("\n".join(L))
if not all(c[3] for c in checks):
    print("\nthe values differ", file=sys.stderr)
    sys.exit(1)
PY
say "== wrote $RESULTS"
