#!/usr/bin/env bash
# Load-independent cost of one Redis request: runs kv_server (--sync=none)
# and redis-server (appendonly no) under callgrind, one at a time, sends a
# fixed number of redis-benchmark requests to each, and prints the server's
# user-space instructions per request and heap allocations per request
# (calls to malloc, calloc and realloc, glibc's or jemalloc's), for
# SET and GET, without and with -P 16, and SET -P 16 of new keys (a keyspace
# of 10^9, so nearly every key is new: the insert path). Counting starts
# after a warm-up run that fills the keyspace, so start-up and growth costs
# are left out (except for the new keys, which grow the table).
# Wall-clock figures on this shared machine are noise; these are not.
#
#   tools/kv_bench/callgrind.sh [requests] [kv|redis|both]
#
# KV_SYNC=always|batch|everysec|no runs kv_server with that --sync (default
# none) and REDIS_APPENDFSYNC=always|everysec|no redis with the AOF on (default
# off): then the counts include the log writer's work. Under callgrind the
# server runs tens of times slower, so its cohorts (writes per fdatasync) are
# not those of a real run; tools/kv_bench/syscalls.sh counts those.
#
# (needs valgrind, redis-server, redis-tools; KV_SERVER=path skips the build)
set -euo pipefail
cd "$(dirname "$0")/../.."

requests="${1:-100000}"
which="${2:-both}"
# shellcheck source=tools/kv_bench/lib.sh
. tools/kv_bench/lib.sh  # after the cd above: relative to the repository
ensure_kv_server
work="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}")"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port="${KV_BENCH_PORT:-16391}"


bench() {  # test pipeline requests [keyspace]
  redis-benchmark -p "$port" -t "$1" -c 50 -n "$3" -P "$2" -r "${4:-100000}" -d 100 -q \
    >/dev/null 2>&1
}

# Sums the Ir total and the calls to allocation functions in a callgrind dump.
summarize() {  # file requests label
  python3 - "$1" "$2" "$3" <<'EOF'
import re, sys
path, n, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# operator new calls malloc, so malloc alone counts every allocation once.
alloc = re.compile(r'^(malloc|calloc|realloc|je_malloc|je_calloc|je_realloc)$')
names, total, allocs, target = {}, 0, 0, None
for line in open(path):
    if line.startswith('summary:') or line.startswith('totals:'):
        total = max(total, int(line.split()[1]))
    elif line.startswith('cfn='):
        m = re.match(r'cfn=\((\d+)\)(?: (.*))?', line.strip())
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        target = names.get(m.group(1), '')
    elif line.startswith('fn='):
        m = re.match(r'fn=\((\d+)\)(?: (.*))?', line.strip())
        if m and m.group(2) is not None:
            names[m.group(1)] = m.group(2)
    elif line.startswith('calls=') and target is not None:
        if alloc.match(target):
            allocs += int(line.split('=')[1].split()[0])
        target = None
print(f"{label:24s} {total / n:10.0f} instructions/request {allocs / n:6.2f} allocations/request")
EOF
}

run_one() {  # name command...
  local name="$1"
  shift
  valgrind --tool=callgrind --callgrind-out-file="$work/$name.%p.out" "$@" \
    >"$work/$name.log" 2>&1 &
  local pid=$!
  wait_port 1200
  bench set 16 100000  # fills the keyspace and warms every path
  bench get 16 100000
  for test in set get; do
    for p in 1 16; do
      callgrind_control -z "$pid" >/dev/null 2>&1
      bench "$test" "$p" "$requests"
      callgrind_control -d "$name-$test-P$p" "$pid" >/dev/null 2>&1
      local dump
      dump="$(ls -t "$work/$name.$pid.out".* 2>/dev/null | head -1)"
      summarize "$dump" "$requests" "$name $test -P $p"
    done
  done
  callgrind_control -z "$pid" >/dev/null 2>&1
  bench set 16 "$requests" 1000000000
  callgrind_control -d "$name-set-new-P16" "$pid" >/dev/null 2>&1
  summarize "$(ls -t "$work/$name.$pid.out".* | head -1)" "$requests" "$name set new keys -P 16"
  kill -INT "$pid"
  wait "$pid" || true
}

if [[ "$which" == kv || "$which" == both ]]; then
  run_one kv "$KV_SERVER" --port=0 --resp_port="$port" --threads=1 --sync="${KV_SYNC:-none}" \
    --data_dir="$work/kv"
fi
if [[ "$which" == redis || "$which" == both ]]; then
  mkdir -p "$work/redis"
  if [[ -n "${REDIS_APPENDFSYNC:-}" ]]; then
    aof=(--appendonly yes --appendfsync "$REDIS_APPENDFSYNC")
  else
    aof=(--appendonly no)
  fi
  run_one redis redis-server --port "$port" --save '' "${aof[@]}" --dir "$work/redis"
fi
