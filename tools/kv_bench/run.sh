#!/usr/bin/env bash
# The KV benchmarks of services/kv: redis-benchmark against kv_server's RESP
# port and against redis-server in the same run, and kv_client's MRPC load
# mode, with the server pinned to core 0 and the load to core 1.
#
#   tools/kv_bench/run.sh [rounds]      (needs redis-tools and redis-server)
#
# Each round runs every configuration once, interleaved, so a machine whose
# load drifts treats them alike; report the best or the median of rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds="${1:-1}"
tools/bazel build --config=opt //services/kv:kv_server //services/kv:kv_client >&2
bin="$(mktemp -d)"
cp bazel-bin/services/kv/kv_server bazel-bin/services/kv/kv_client "$bin/"
data="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$bin" "$data"' EXIT

resp_port=16380
rpc_port=19090
redis_port=6390

wait_port() {
  for _ in $(seq 200); do
    if redis-cli -p "$1" ping >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  echo "nothing answers on port $1" >&2
  return 1
}

redis_bench() {  # label port
  for p in 1 16; do
    taskset -c 1 redis-benchmark -p "$2" -t get,set -c 50 -n 200000 -P "$p" -q 2>/dev/null |
      tr '\r' '\n' | grep 'requests per second' | sed "s/^/$1 -P $p: /"
  done
}

start_kv() {  # sync
  rm -rf "$data/kv"
  taskset -c 0 "$bin/kv_server" --port=$rpc_port --resp_port=$resp_port --threads=1 \
    --sync="$1" --data_dir="$data/kv" 2>"$data/kv_server.log" &
  kv_pid=$!
  wait_port $resp_port
}

stop_kv() {
  kill -INT "$kv_pid"
  wait "$kv_pid" || true
}

for round in $(seq "$rounds"); do
  echo "== round $round"
  taskset -c 0 redis-server --port $redis_port --save '' --appendonly no >/dev/null &
  redis_pid=$!
  wait_port $redis_port
  redis_bench "redis-server $(redis-server --version | grep -o 'v=[0-9.]*')" $redis_port
  kill "$redis_pid"
  wait "$redis_pid" || true

  for sync in none batch; do
    start_kv "$sync"
    redis_bench "kv_server --sync=$sync" $resp_port
    for op in get put; do
      taskset -c 1 "$bin/kv_client" --server=127.0.0.1:$rpc_port --load --op=$op \
        --calls=200000 --connections=50 | sed "s/^/kv_client --sync=$sync /"
    done
    stop_kv
  done
done
