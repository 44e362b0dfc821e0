#!/usr/bin/env bash
# Peak memory of `joinedup metrics` on hostile journey logs (issue 7, item 2).
#
#   bench/hostile_input.sh            # files in bench/data/hostile, figures on standard output
#
# Each run is under `/usr/bin/time -v`; the figure is its "Maximum resident set size". Inputs:
#   bomb.jsonl.gz      a gzip bomb: one line of 2 GiB, about 2 MB compressed
#   /dev/zero          no newline ever (under `timeout 60`)
#   numbers50m.jsonl   one 50 MB line of small numbers in an unknown field, then a good line
#   numbers1m.jsonl    200 lines just under the 1 MiB limit, each of small numbers in an unknown field
# Every run but the last must fail (exit 1) naming the file and line 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/joinedup"
data="$root/bench/data/hostile"
cargo build --release -p joinedup --manifest-path "$root/Cargo.toml" >&2
mkdir -p "$data"
cd "$data"
"$bin" generate --out regs --people 10 --from 2017-01-01 --to 2017-02-01 --seed 1 >/dev/null
head='{"id":"x1","kind":"death","at":"2017-02-01T00:00:00Z","person":"9990000018","pad":"'
[ -f bomb.jsonl.gz ] || { printf '%s' "$head"; head -c 2147483648 /dev/zero | tr '\0' 'a'; printf '"}\n'; } | gzip -9 > bomb.jsonl.gz
[ -f numbers50m.jsonl ] || python3 -c "
import sys
w = sys.stdout.write
w('{\"id\":\"x2\",\"kind\":\"death\",\"at\":\"2017-02-01T00:00:00Z\",\"person\":\"9990000018\",\"x\":[' + '1,' * 25000000 + '1]}\n')
w('{\"id\":\"x3\",\"kind\":\"death\",\"at\":\"2017-02-01T00:00:00Z\",\"person\":\"9990000026\"}\n')
" > numbers50m.jsonl
[ -f numbers1m.jsonl ] || python3 -c "
import sys
for i in range(200):
    pre = '{\"id\":\"n%d\",\"kind\":\"gp_visit\",\"at\":\"2017-02-01T00:00:00Z\",\"x\":[' % i
    sys.stdout.write(pre + '1,' * ((1048576 - len(pre) - 3) // 2) + '1]}\n')
" > numbers1m.jsonl
for input in bomb.jsonl.gz /dev/zero numbers50m.jsonl numbers1m.jsonl; do
    set +e
    /usr/bin/time -v timeout 60 "$bin" metrics --events "$input" --orgs regs/orgs.csv \
        --population regs/population.csv --from 2017-01-01 --to 2017-03-01 >/dev/null 2>run.err
    code=$?
    set -e
    rss=$(grep 'Maximum resident set size' run.err | awk '{print $NF}')
    wall=$(grep 'Elapsed (wall clock)' run.err | awk '{print $NF}')
    first=$(grep -m1 "^$input:" run.err || true)
    echo "$input: exit $code, peak RSS ${rss} KB, wall $wall; ${first:0:160}"
done
