#!/usr/bin/env bash
# Load-independent cost of a durable SET without pipelining: runs kv_server
# (--sync=always and batch) and redis-server (appendfsync always), one at a
# time, server on core 0 and redis-benchmark on core 1, and for a fixed run
# of `redis-benchmark -t set -c 50 -P 1` prints per request: the syscalls
# the server made that differ between the two designs (counted by perf's
# syscall tracepoints, which unlike strace barely slow the server down, so
# the cohorts stay the size they are without it), the voluntary and
# involuntary context switches of all its threads, fdatasyncs (and so
# requests per sync), and server CPU microseconds (this last one is load
# dependent; the rest much less so).
#
#   tools/kv_bench/syscalls.sh [requests] [targets] [pipeline]
#     targets: a space-separated subset of "always batch redis" (default all)
#
# Needs perf, redis-server, redis-tools. KV_SERVER=path skips the build;
# KV_FLAGS adds kv_server flags (KV_FLAGS=--log_reserve_kib=0: the log grows
# with each append, for an A/B of the reserved log).
set -euo pipefail
cd "$(dirname "$0")/../.."

requests="${1:-100000}"
targets="${2:-always batch redis}"
pipeline="${3:-1}"
# shellcheck source=tools/kv_bench/lib.sh
. tools/kv_bench/lib.sh  # after the cd above: relative to the repository
ensure_kv_server
work="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}")"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port="${KV_BENCH_PORT:-16392}"
ticks=$(getconf CLK_TCK)

syscalls=(read write writev sendmsg recvfrom readv fdatasync fsync futex epoll_wait epoll_ctl)
events=""
for s in "${syscalls[@]}"; do events+="syscalls:sys_enter_$s,"; done
events="${events%,}"

ctx_switches() {  # pid: "voluntary involuntary" summed over its threads
  cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ { v += $2 }
    /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v, n }'
}

measure() {  # label pid
  local pid="$2" before after c0 c1
  taskset -c 1 redis-benchmark -p "$port" -t set -c 50 -n 20000 -P "$pipeline" -r 100000 \
    -d 100 -q >/dev/null 2>&1  # warm up
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  c0=$(ctx_switches "$pid")
  perf stat -x, -e "$events" -p "$pid" -o "$work/perf.csv" &
  local perf_pid=$!
  sleep 0.3  # perf attaches
  taskset -c 1 redis-benchmark -p "$port" -t set -c 50 -n "$requests" -P "$pipeline" \
    -r 100000 -d 100 -q 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1 \
    >"$work/rps"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  c1=$(ctx_switches "$pid")
  python3 - "$1" "$requests" "$work/perf.csv" "$c0" "$c1" "$((after - before))" "$ticks" \
    "$(sed -E 's/.*: ([0-9.]+) requests per second.*/\1/' "$work/rps")" <<'EOF'
import sys
label, n, path, c0, c1, cpu, hz, rps = sys.argv[1:9]
n = int(n)
counts = {}
for line in open(path):
    f = line.strip().split(',')
    if len(f) > 2 and f[2].startswith('syscalls:sys_enter_'):
        counts[f[2][len('syscalls:sys_enter_'):]] = int(f[0]) if f[0].isdigit() else 0
v0, i0 = map(int, c0.split()); v1, i1 = map(int, c1.split())
total = sum(counts.values())
syncs = counts.get('fdatasync', 0) + counts.get('fsync', 0)
parts = ' '.join(f"{k}={v / n:.3f}" for k, v in counts.items() if v)
print(f"{label:8s} syscalls/req={total / n:.3f} [{parts}] "
      f"vcsw/req={(v1 - v0) / n:.3f} ivcsw/req={(i1 - i0) / n:.3f} "
      f"req/sync={n / syncs if syncs else float('nan'):.1f} "
      f"cpu_us/req={int(cpu) / int(hz) * 1e6 / n:.2f} rps={rps}")
EOF
}

for target in $targets; do
  case "$target" in
    always | batch)
      rm -rf "$work/kv"
      # shellcheck disable=SC2086  # KV_FLAGS is a list of flags
      taskset -c 0 "$KV_SERVER" --port=0 --resp_port="$port" --threads=1 --sync="$target" \
        --data_dir="$work/kv" ${KV_FLAGS:-} >/dev/null 2>"$work/kv.log" &
      ;;
    redis)
      rm -rf "$work/redis" && mkdir -p "$work/redis"
      taskset -c 0 redis-server --port "$port" --save '' --appendonly yes \
        --appendfsync always --dir "$work/redis" >/dev/null &
      ;;
    *) echo "unknown target '$target' (always, batch, redis)" >&2; exit 2 ;;
  esac
  pid=$!
  wait_port
  measure "$target" "$pid"
  kill -INT "$pid"
  wait "$pid" || true
  if [[ "$target" != redis ]]; then  # its closing line: the mean fdatasync time
    sed -nE 's/.*( [0-9]+ fdatasyncs \([0-9]+ us each\)).*/         \1 over the whole run/p' \
      "$work/kv.log"
  fi
done
