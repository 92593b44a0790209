#!/usr/bin/env bash
# kv_server's Redis port vs redis-server: runs tools/kv_bench/run.sh (its
# durability-fair pairs, SET and GET with and without -P 16, -c 50, in
# interleaved rounds) of the given tree and turns each of its per-round lines
# into a RESULT line; run.sh's own output goes to stderr as it comes.
#
#   tools/bench/kv_vs_redis.sh [--ours_tree=DIR] [--rounds=3] [--requests=100000]
#
# Prints per pair, test and round:
#   RESULT workload=kv_<TEST>_P<n>_sync=<ours>/<redis> peer=redis round=R ours_rps=X peer_rps=Y
#       ours_cpu_us=A peer_cpu_us=B
set -euo pipefail

tree="$(cd "$(dirname "$0")/../.." && pwd)" rounds=3 requests=100000
for arg in "$@"; do
  case "$arg" in
    --ours_tree=*) tree="${arg#*=}" ;;
    --rounds=*) rounds="${arg#*=}" ;;
    --requests=*) requests="${arg#*=}" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
if ! command -v redis-benchmark >/dev/null || ! command -v redis-server >/dev/null; then
  echo "kv_vs_redis.sh: apt-get install redis-server redis-tools" >&2
  exit 1
fi
[[ -x $tree/tools/kv_bench/run.sh ]] || { echo "kv_vs_redis.sh: no tools/kv_bench/run.sh in $tree" >&2; exit 1; }

# run.sh's line: "<label> round=R kv=[rps cpu] redis=[rps cpu]", the label
# "kv --sync=S vs redis appendfsync=F TEST -P n" (see its summary.py).
"$tree/tools/kv_bench/run.sh" "$rounds" "$requests" | tee /dev/stderr | python3 -c '
import re, sys
line = re.compile(r"(.*?) round=(\d+) kv=\[([\d.]+) ([\d.]+)\] redis=\[([\d.]+) ([\d.]+)\]")
pair = re.compile(r"kv --sync=(\S+) vs redis appendfsync=(\S+) (\S+) -P (\d+)$")
for text in sys.stdin:
    m = line.match(text.strip())
    if not m:
        continue
    label, rnd, kv, kvcpu, redis, rcpu = m.groups()
    p = pair.match(label)
    name = (f"kv_{p.group(3)}_P{p.group(4)}_sync={p.group(1)}/{p.group(2)}" if p
            else "kv_" + re.sub(r"\W+", "_", label))
    print(f"RESULT workload={name} peer=redis round={rnd} ours_rps={kv} peer_rps={redis} "
          f"ours_cpu_us={kvcpu} peer_cpu_us={rcpu}", flush=True)
'
