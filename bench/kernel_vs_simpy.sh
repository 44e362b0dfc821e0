#!/usr/bin/env bash
# Events per second of sim-kernel against SimPy and Ciw on the same M/M/c queue
# (c = 3, lambda = 2.4, mu = 1.0, FIFO), measured side by side in one run.
#
#   bench/kernel_vs_simpy.sh
#
# Environment: KERNEL_HORIZON (default 1000000 time units), PY_HORIZON (default 100000; the
# Python engines are slow, events per second is the comparable figure), RUNS (default 3; the
# median run by events per second is reported), SEED (default 2017, the same for every run, so
# runs of one engine differ only in timing), PYTHON (default python3).
# Needs: cargo and Python; installs SimPy and Ciw from PyPI if they are missing.
# Writes bench/results/kernel-vs-simpy.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

KERNEL_HORIZON="${KERNEL_HORIZON:-1000000}"
PY_HORIZON="${PY_HORIZON:-100000}"
RUNS="${RUNS:-3}"
SEED="${SEED:-2017}"
PYTHON="${PYTHON:-python3}"
out_dir="$here/results"
out="$out_dir/kernel-vs-simpy.md"

"$PYTHON" -c 'import simpy, ciw' 2>/dev/null || "$PYTHON" -m pip install --quiet simpy ciw

echo "building the sim-kernel example (release)..." >&2
cargo build --release -q -p sim-kernel --example mmc_bench

raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT

for i in $(seq 1 "$RUNS"); do
    echo "run $i/$RUNS: sim-kernel (horizon $KERNEL_HORIZON)" >&2
    cargo run --release -q -p sim-kernel --example mmc_bench -- "$KERNEL_HORIZON" "$SEED" >>"$raw"
    echo "run $i/$RUNS: simpy (horizon $PY_HORIZON)" >&2
    "$PYTHON" "$here/kernel_vs_simpy.py" simpy "$PY_HORIZON" "$SEED" >>"$raw"
    echo "run $i/$RUNS: ciw (horizon $PY_HORIZON)" >&2
    "$PYTHON" "$here/kernel_vs_simpy.py" ciw "$PY_HORIZON" "$SEED" >>"$raw"
done

cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
[ -n "$cpu" ] || cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
family="$(lscpu 2>/dev/null | sed -n 's/^CPU family:[[:space:]]*//p' | head -n1)"
model="$(lscpu 2>/dev/null | sed -n 's/^Model:[[:space:]]*//p' | head -n1)"
hyper="$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p' | head -n1)"
machine="$(nproc) CPUs, ${cpu:-unknown CPU}${family:+ (family $family, model $model)}${hyper:+, under $hyper}"
versions="$(rustc --version); Python $("$PYTHON" -c 'import platform; print(platform.python_version())')"
date_utc="$(date -u '+%Y-%m-%d %H:%M UTC')"

mkdir -p "$out_dir"
MACHINE="$machine" VERSIONS="$versions" DATE_UTC="$date_utc" RUNS="$RUNS" SEED="$SEED" \
    "$PYTHON" - "$raw" "$out" <<'PY'
import json, os, statistics, sys

raw, out = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(raw) if l.strip()]
engines = ["sim-kernel", "simpy", "ciw"]
runs = {e: [r for r in rows if r["engine"] == e] for e in engines}


def median_run(rs):
    # The run whose events/s is the median (with an even count, the lower middle).
    s = sorted(rs, key=lambda r: r["events_per_second"])
    return s[(len(s) - 1) // 2]


med = {e: median_run(runs[e]) for e in engines}
k = med["sim-kernel"]
theory = 0.647191 / (3 - 2.4)


def num(x):
    return f"{x:,.0f}"


lines = []
w = lines.append
w("# sim-kernel against SimPy and Ciw: M/M/c events per second")
w("")
w(f"Date: {os.environ['DATE_UTC']}. Machine: {os.environ['MACHINE']}. {os.environ['VERSIONS']}; "
  f"SimPy {med['simpy'].get('version', '?')}, Ciw {med['ciw'].get('version', '?')}.")
w("")
w("Model (the same in all three): M/M/c with c = 3 servers, arrivals Poisson at lambda = 2.4, "
  "service exponential at mu = 1.0 (utilisation 0.8), FIFO, one resource, starting empty, no warm-up. "
  f"Erlang C: Wq = 0.647191 / (3 - 2.4) = {theory:.4f}.")
w("")
w(f"Each engine ran {os.environ['RUNS']} times (seed {os.environ['SEED']} every time, so the runs of one "
  "engine simulate the same customers and differ only in timing); the row is the run with the median "
  "events/s. Only the simulation run is timed (not process start-up, model building or reading results). "
  "Produced by `bench/kernel_vs_simpy.sh`.")
w("")
w("| engine | horizon | customers | events | events / customer | seconds | events/s | customers/s | mean wait | sim-kernel events/s ÷ this | sim-kernel customers/s ÷ this |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for e in engines:
    r = med[e]
    w(f"| {e} | {num(r['horizon'])} | {num(r['customers'])} | {num(r['events'])} | "
      f"{r['events'] / r['customers']:.2f} | {r['seconds']:.3f} | {num(r['events_per_second'])} | "
      f"{num(r['customers_per_second'])} | {r['mean_wait']:.4f} | "
      f"{k['events_per_second'] / r['events_per_second']:.1f}× | "
      f"{k['customers_per_second'] / r['customers_per_second']:.1f}× |")
w("")
w("All runs (events/s): " + "; ".join(
    f"{e} " + ", ".join(num(r["events_per_second"]) for r in runs[e]) for e in engines) + ".")
w("")
w("## How events are counted")
w("")
w("- **sim-kernel**: `Simulation::handled()`, the calendar events the model handled. The model "
  "schedules exactly one event per arrival (which also schedules the next arrival and, if a server "
  "is free, the service completion) and one per service completion (which releases the server and "
  "starts the next waiting customer's service): about 2 events per customer.")
w("- **Ciw**: arrivals (`ArrivalNode.number_of_individuals`) + service completions "
  "(`len(get_all_records())`), so the same definition as sim-kernel's: about 2 per customer. "
  "Whatever internal bookkeeping Ciw does between those is not counted.")
w("- **SimPy**: the number of `env.step()` calls while `env.peek() < horizon`, i.e. every event "
  "SimPy processes. In the idiomatic process style (a generator per customer, "
  "`with res.request() as req: yield req; yield env.timeout(...)`) that is about 6 per customer: "
  "the source's interarrival timeout, the customer process's start, the granted request, the "
  "service timeout, the release, and the process's end. **So SimPy's events are finer-grained "
  "and its events/s is not directly comparable with the other two**; the customers/s column "
  "(simulated customers per second of wall-clock time, the same unit of work in all three "
  "engines) is the like-for-like figure, and the last column gives the ratio on that basis.")
w("")
w("## Same system?")
w("")
w(f"Mean wait in queue (theory {theory:.4f}): " + "; ".join(
    f"{e} {med[e]['mean_wait']:.4f} ({(med[e]['mean_wait'] / theory - 1) * 100:+.1f}%)" for e in engines) + ". "
  "sim-kernel and SimPy average the waits of every customer who started service before the "
  "horizon; Ciw those of customers who completed service. At utilisation 0.8 the waits are "
  "strongly autocorrelated: over 60 seeds of the sim-kernel model, one run's mean wait had a "
  "standard deviation of about 1% of Wq at a horizon of 1,000,000 and about 2.7% at 100,000, so "
  "differences within 2-3 of those (about 2-3% for sim-kernel, 5-8% for SimPy and Ciw) are noise, "
  "not a different system.")
w("")
w("<details><summary>Raw JSON of every run</summary>")
w("")
w("```")
for r in rows:
    w(json.dumps(r))
w("```")
w("")
w("</details>")
open(out, "w").write("\n".join(lines) + "\n")
PY

echo "wrote $out" >&2
cat "$out"
