#!/usr/bin/env bash
# Side-by-side benchmark of kv_server's Redis port against redis-server, in
# durability-fair pairs, interleaved round by round (this machine drifts by
# tens of percent over hours; only ratios within one round mean anything):
#
#   redis --appendonly yes --appendfsync always    vs  kv_server --sync=always
#   redis --appendonly yes --appendfsync always    vs  kv_server --sync=batch
#   redis --appendonly yes --appendfsync everysec  vs  kv_server --sync=everysec
#   redis --appendonly yes --appendfsync no        vs  kv_server --sync=no
#
# (batch makes the same promise as always, with a short wait for more writes
# before each fdatasync.) Each pair runs redis-benchmark SET and GET, without
# and with -P 16, with the server pinned to core 0 and the load to core 1. A
# line per test and round: throughput and server CPU microseconds per
# request, for both, and the fdatasyncs kv_server made (from its closing log
# line; requests per fdatasync does not depend on the machine's load); then
# tools/kv_bench/summary.py prints medians of the per-round ratios.
#
#   tools/kv_bench/run.sh [rounds] [requests] [pairs]
#     pairs: a space-separated subset of "always batch everysec no" (default all)
#   tools/kv_bench/run.sh 3 100000 | tee out; tools/kv_bench/summary.py out
#   KV_FLAGS=--sync_in_loop=false tools/kv_bench/run.sh 3 100000 always
#     (KV_FLAGS: extra kv_server flags, for an A/B of one setting)
#
# Needs redis-tools and redis-server.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds="${1:-3}"
requests="${2:-100000}"
pairs="${3:-always batch everysec no}"
tools/bazel build --config=opt //services/kv:kv_server >&2
bin="$(mktemp -d)"
cp bazel-bin/services/kv/kv_server "$bin/"
data="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}")"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$bin" "$data"' EXIT

port="${KV_BENCH_PORT:-16390}"
ticks=$(getconf CLK_TCK)

# shellcheck source=tools/kv_bench/lib.sh
. tools/kv_bench/lib.sh  # after the cd above: relative to the repository

cpu_ticks() {  # utime + stime of a process
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# One redis-benchmark test against the server with pid $1; prints
# "requests/s cpu-us-per-request".
measure() {  # pid test pipeline
  local before after rps
  before=$(cpu_ticks "$1")
  rps=$(taskset -c 1 redis-benchmark -p "$port" -t "$2" -c 50 -n "$requests" -P "$3" -r 100000 \
    -d 100 -q 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1 |
    sed -E 's/.*: ([0-9.]+) requests per second.*/\1/')
  after=$(cpu_ticks "$1")
  awk -v r="$rps" -v t=$((after - before)) -v hz="$ticks" -v n="$requests" \
    'BEGIN { printf "%s %.2f", r, t / hz * 1e6 / n }'
}

start_redis() {  # appendfsync
  rm -rf "$data/redis" && mkdir -p "$data/redis"
  taskset -c 0 redis-server --port "$port" --save '' --appendonly yes --appendfsync "$1" \
    --dir "$data/redis" >/dev/null &
  server_pid=$!
  wait_port
}

start_kv() {  # sync
  rm -rf "$data/kv"
  # shellcheck disable=SC2086  # KV_FLAGS is a list of flags
  taskset -c 0 "$bin/kv_server" --port=0 --resp_port="$port" --threads=1 --sync="$1" \
    --data_dir="$data/kv" ${KV_FLAGS:-} >/dev/null 2>"$data/kv_server.log" &
  server_pid=$!
  wait_port
}

stop_server() {
  kill -INT "$server_pid"
  wait "$server_pid" || true
}

kv_fdatasyncs() {  # from the store's closing line: "... and N fdatasyncs ..."
  sed -nE 's/.*closing;.* and ([0-9]+) fdatasyncs.*/\1/p' "$data/kv_server.log" | tail -1
}

run_pair() {  # round fsync sync
  local t p kv redis syncs
  for t in set get; do
    for p in 1 16; do
      start_kv "$3"
      [[ $t == get ]] && measure "$server_pid" set "$p" >/dev/null
      kv=$(measure "$server_pid" "$t" "$p")
      stop_server
      syncs=$(kv_fdatasyncs)
      start_redis "$2"
      [[ $t == get ]] && measure "$server_pid" set "$p" >/dev/null
      redis=$(measure "$server_pid" "$t" "$p")
      stop_server
      echo "kv --sync=$3 vs redis appendfsync=$2 ${t^^} -P $p round=$1 kv=[$kv] redis=[$redis]" \
        "kv_fdatasyncs=${syncs:-?} requests=$requests"
    done
  done
}

for round in $(seq "$rounds"); do
  for pair in $pairs; do
    case "$pair" in
      always) run_pair "$round" always always ;;
      batch) run_pair "$round" always batch ;;
      everysec) run_pair "$round" everysec everysec ;;
      no) run_pair "$round" no no ;;
      *) echo "unknown pair '$pair' (always, batch, everysec, no)" >&2; exit 2 ;;
    esac
  done
done
