#!/bin/bash
# Load-independent per-call figures of rpc_bench: instructions (callgrind),
# heap allocations (valgrind's heap summary) and syscalls (strace -c), for
# the server or the client, at a given shape of load. The side measured runs
# under the tool on core 0 and the other side natively on core 1 (taskset).
# Each figure is the difference between a run of N and of 3N calls, divided
# by 2N, so start-up and shutdown cancel out.
#
#   tools/bazel build --config=opt //tools/rpc_bench:all
#   tools/rpc_bench/profile_per_call.sh [--bin=DIR] SIDE TOOL CONNS OUTSTANDING [N]
#     SIDE: server | client      TOOL: callgrind | memcheck | strace
#   e.g. tools/rpc_bench/profile_per_call.sh server callgrind 50 1
#
# DIR holds rpc_bench and rpc_bench_server (default bazel-bin/tools/rpc_bench).
# The server stops by itself after N calls (--exit_after_calls).
# CLUSTER=K (environment) starts K servers and drives them through
# ClusterChannels (rpc_bench --cluster=list://..., round robin), each server
# stopping after N/K calls; K=1 measures the balancing layer over one server.
set -euo pipefail
BIN=bazel-bin/tools/rpc_bench
if [[ "${1:-}" == --bin=* ]]; then
  BIN=${1#--bin=}
  shift
fi
if [[ $# -lt 4 ]]; then
  sed -n 2,17p "$0"
  exit 2
fi
SIDE=$1 TOOL=$2 CONNS=$3 OUTSTANDING=$4 N=${5:-10000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

wrap() {  # the command prefix for the measured side
  case $TOOL in
    callgrind) echo "valgrind --tool=callgrind --callgrind-out-file=$WORK/cg.$1.%p" ;;
    memcheck) echo "valgrind --tool=memcheck --leak-check=no --log-file=$WORK/mc.$1.%p" ;;
    strace) echo "strace -c -f -o $WORK/st.$1" ;;
    *) echo "unknown tool $TOOL" >&2; exit 2 ;;
  esac
}

# One run of `calls` calls; prints the tool's total and the calls answered.
run() {
  local calls=$1 port=$((20000 + RANDOM % 20000)) server_pre="" client_pre=""
  local k=${CLUSTER:-0} servers=() target=() list=""
  if [[ $SIDE == server ]]; then server_pre=$(wrap "$calls"); else client_pre=$(wrap "$calls"); fi
  for i in $(seq 0 $(( k > 0 ? k - 1 : 0 ))); do
    taskset -c 0 $server_pre "$BIN/rpc_bench_server" --port=$((port + i)) \
      --exit_after_calls=$(( k > 0 ? calls / k : calls )) > "$WORK/server.$calls.$i" 2>&1 &
    servers+=($!)
    for _ in $(seq 100); do grep -q listening "$WORK/server.$calls.$i" && break; sleep 0.2; done
    list+="${list:+,}127.0.0.1:$((port + i))"
  done
  if (( k > 0 )); then target=(--cluster="list://$list"); else target=(--port=$port); fi
  taskset -c 1 $client_pre "$BIN/rpc_bench" "${target[@]}" --connections="$CONNS" \
    --outstanding="$OUTSTANDING" --seconds=600 > "$WORK/client.$calls" 2>&1 &
  local client=$!
  for server in "${servers[@]}"; do wait "$server" || true; done
  kill -TERM $client 2>/dev/null || true
  wait $client 2>/dev/null || true
  local answered total
  answered=$(cat "$WORK"/server.$calls.* | grep -o 'answered [0-9]*' | awk '{s+=$2} END {print s}')
  case $TOOL in
    callgrind) total=$(grep -h '^totals:' "$WORK"/cg.$calls* | awk '{s+=$2} END {print s}') ;;
    memcheck) total=$(grep -h 'total heap usage' "$WORK"/mc.$calls* | awk '{gsub(",","",$5); s+=$5} END {print s}') ;;
    strace) total=$(awk '$NF=="total" {print $4}' "$WORK/st.$calls") ;;
  esac
  echo "$total $answered"
}

read -r small small_calls < <(run "$N")
read -r large large_calls < <(run $((3 * N)))
awk -v a="$small" -v b="$large" -v ca="$small_calls" -v cb="$large_calls" \
  -v what="$SIDE $TOOL ${CONNS}x$OUTSTANDING" \
  'BEGIN {printf "%s: %.2f per call (%s over %s calls, %s over %s)\n", what, (b - a) / (cb - ca), a, ca, b, cb}'
