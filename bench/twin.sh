#!/usr/bin/env bash
# The digital twin's speed: 100 replications of stoke-2017 (time and peak memory), and the
# whole model's events per second, beside the kernel's bare throughput (the floor). Writes
# bench/results/twin.md. Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null
target=${CARGO_TARGET_DIR:-target}
# Separately: with --example, cargo builds no package's binaries.
cargo build --release -q -p joinedup
cargo build --release -q -p twin --example one_run
cargo build --release -q -p sim-kernel --example mmc_bench
out=bench/results/twin.md
mkdir -p bench/results
tmp=$(mktemp -d)
{
  echo "# The digital twin: speed and memory"
  echo
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'). Load average before: $(cut -d' ' -f1-3 /proc/loadavg). Produced by \`bench/twin.sh\`."
  echo
  echo "## 100 replications of stoke-2017 (one simulated year each, plus warm-up and follow-up)"
  echo
  echo "| threads | wall s | CPU s (user + sys) | peak RSS MB |"
  echo "|---:|---:|---:|---:|"
  for threads in 2 1; do
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$target/release/joinedup" simulate --scenario stoke-2017 --replications 100 --threads "$threads" --out "$tmp/run$threads" > /dev/null
    read -r secs user sys kb < "$tmp/time"
    echo "| $threads | $secs | $(python3 -c "print(f'{$user + $sys:.1f}')") | $((kb / 1024)) |"
  done
  if cmp -s "$tmp/run1/summary.json" "$tmp/run2/summary.json"; then
    echo
    echo "summary.json is byte-identical with 1 and 2 threads."
  else
    echo
    echo "summary.json DIFFERS between 1 and 2 threads."
  fi
  echo
  echo "## Whole-model events per second (10 replications on 2 threads)"
  echo
  line=$("$target/release/examples/one_run" stoke-2017 10 | tail -1)
  echo "\`$line\`"
  secs=$(echo "$line" | sed -E 's/.* in ([0-9.]+)s.*/\1/')
  logev=$(echo "$line" | sed -E 's/.*s; ([0-9]+) log events.*/\1/')
  kev=$(echo "$line" | sed -E 's/.* ([0-9]+) kernel events.*/\1/')
  echo
  echo "| measure | per second |"
  echo "|---|---:|"
  echo "| kernel events handled | $(python3 -c "print(f'{$kev/$secs:,.0f}')") |"
  echo "| journey-log events emitted (and folded into the indicator engine) | $(python3 -c "print(f'{$logev/$secs:,.0f}')") |"
  echo
  echo "## The floor: the kernel alone"
  echo
  kernel=$("$target/release/examples/mmc_bench" 1000000 2017)
  kps=$(echo "$kernel" | python3 -c "import json,sys; print(json.load(sys.stdin)['events_per_second'])")
  echo "The kernel handles $(python3 -c "print(f'{$kps:,.0f}')") events a second on one thread (\`mmc_bench\`, an M/M/3 queue: calendar and handler, nothing else). The 100 replications' $(python3 -c "print(f'{$kev / 10 * 100:,.0f}')") calendar events at that rate on $(nproc) threads: $(python3 -c "print(f'{$kev / 10 * 100 / $kps / $(nproc):.1f}')") s."
} > "$out"
rm -rf "$tmp"
cat "$out"
