#!/usr/bin/env bash
# The digital twin's speed: 100 replications of stoke-2017 (time and peak memory), and the
# whole model's events per second. Writes bench/results/twin.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null
cargo build --release -q -p joinedup -p twin --example one_run
out=bench/results/twin.md
mkdir -p bench/results
tmp=$(mktemp -d)
{
  echo "# The digital twin: speed and memory"
  echo
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'). Produced by \`bench/twin.sh\`."
  echo
  echo "## 100 replications of stoke-2017 (one simulated year each, plus warm-up and follow-up)"
  echo
  echo "| threads | wall s | peak RSS MB |"
  echo "|---:|---:|---:|"
  for threads in 2 1; do
    /usr/bin/time -f '%e %M' -o "$tmp/time" target/release/joinedup simulate --scenario stoke-2017 --replications 100 --threads "$threads" --out "$tmp/run$threads" > /dev/null
    read -r secs kb < "$tmp/time"
    echo "| $threads | $secs | $((kb / 1024)) |"
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
  line=$(target/release/examples/one_run stoke-2017 10 | tail -1)
  echo "\`$line\`"
  secs=$(echo "$line" | sed -E 's/.* in ([0-9.]+)s.*/\1/')
  logev=$(echo "$line" | sed -E 's/.*s; ([0-9]+) log events.*/\1/')
  kev=$(echo "$line" | sed -E 's/.* ([0-9]+) kernel events.*/\1/')
  echo
  echo "| measure | per second |"
  echo "|---|---:|"
  echo "| kernel events handled | $(python3 -c "print(f'{$kev/$secs:,.0f}')") |"
  echo "| journey-log events emitted (and folded into the indicator engine) | $(python3 -c "print(f'{$logev/$secs:,.0f}')") |"
} > "$out"
rm -rf "$tmp"
cat "$out"
