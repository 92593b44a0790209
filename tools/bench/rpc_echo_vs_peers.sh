#!/usr/bin/env bash
# RPC echo ours (tools/rpc_bench over MRPC) vs muduo protorpc (its
# examples/protobuf/rpcbench), vs a gRPC echo (tools/bench/grpc_peer) and vs
# the raw floor (tools/bench/raw_floor answering the same MRPC bytes),
# interleaved: each round runs ours, then each peer, for one workload. Each
# side drives its own server with its own client, one event loop each
# (gRPC's library keeps a few helper threads of its own; they share core 0),
# server on core 0, client on core 1. Every server is started once per
# workload and warmed up before the rounds. Payload: 6 bytes, the size of
# muduo's rpcbench payload, on every side.
#
#   tools/bench/rpc_echo_vs_peers.sh --bin=DIR --muduo_bin=DIR --grpc_bin=DIR
#       [--rounds=3] [--seconds=5] [--workloads=rpc_50x1,rpc_1x1,rpc_1x100,rpc_busy_1x1]
#       [--busy_poll_us=50]
#
# DIR holds rpc_bench_server, rpc_bench, raw_floor_server, raw_floor_client;
# --muduo_bin is build_peers.sh's bin directory, --grpc_bin grpc_peer/build.sh's
# output; an empty --grpc_bin or --muduo_bin skips that peer. muduo's client
# keeps one call in flight per connection, so rpc_1x100 has no muduo peer.
# rpc_busy_1x1 is rpc_1x1 with our server and client both started with
# --busy_poll_us (EventLoop's adaptive busy poll: spin on a non-blocking poll
# that long before sleeping), against the same peers, which sleep as usual:
# what a latency-bound user buys with it, and, in the CPU column, what it
# costs the server (its spinning is counted as CPU per call).
# Prints per workload, round and peer (muduo, grpc, raw):
#   RESULT workload=W peer=P round=R ours_rps=X peer_rps=Y ours_cpu_us=A peer_cpu_us=B
# rps: calls per second; cpu_us: server CPU microseconds per call.
set -euo pipefail
# shellcheck source=tools/bench/lib.sh
source "$(dirname "$0")/lib.sh"

bin='' muduo_bin='' grpc_bin='' rounds=3 seconds=5 workloads=rpc_50x1,rpc_1x1,rpc_1x100
payload=6 busy_poll_us=50
for arg in "$@"; do
  case "$arg" in
    --bin=*) bin="${arg#*=}" ;;
    --muduo_bin=*) muduo_bin="${arg#*=}" ;;
    --grpc_bin=*) grpc_bin="${arg#*=}" ;;
    --rounds=*) rounds="${arg#*=}" ;;
    --seconds=*) seconds="${arg#*=}" ;;
    --workloads=*) workloads="${arg#*=}" ;;
    --busy_poll_us=*) busy_poll_us="${arg#*=}" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
[[ -x $bin/rpc_bench_server ]] || { echo "rpc_echo_vs_peers.sh: need --bin" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

# rpc_run SIDE CONNECTIONS OUTSTANDING SECONDS: one measured run against the
# running server of SIDE; sets rps and cpu_us.
rpc_run() {
  local side=$1 c=$2 k=$3 s=$4 calls
  case "$side" in
    ours)
      # rpc_bench warms up for 0.5 s before its measured --seconds.
      bench_window "$s" 0.7
      bench_measure "${pid[ours]}" "$bench_lead" "$bench_span" "$bin/rpc_bench" \
        --port="${port[ours]}" --connections="$c" --outstanding="$k" --payload="$payload" \
        --threads=1 --seconds="$s" --busy_poll_us="$busy"
      rps=$(bench_field ' ([0-9.]+) calls/s' "$bench_out")
      ;;
    muduo)
      # muduo's client makes a fixed number of calls per connection, every
      # one counted: size it from the rate its last run reached so the run
      # lasts about $s seconds, and divide the server's CPU over the whole
      # run by all of them.
      calls=$(awk -v r="${muduo_rate:-20000}" -v s="$s" -v c="$c" \
        'BEGIN { n = int(r * s / c); print (n < 100 ? 100 : n) }')
      bench_measure_whole "${pid[muduo]}" env MUDUO_RPCBENCH_PORT="${port[muduo]}" \
        MUDUO_RPCBENCH_REQUESTS="$calls" "$muduo_bin/protobuf_rpc_echo_client" 127.0.0.1 "$c" 1
      rps=$(bench_field '^([0-9.]+) calls per second' "$bench_out")
      [[ -n $rps ]] || { echo "no calls/s from muduo's client: $bench_out" >&2; return 1; }
      muduo_rate=$rps
      cpu_us=$(awk -v t="$bench_cpu_seconds" -v n=$((c * calls)) 'BEGIN { printf "%.2f", t * 1e6 / n }')
      return 0
      ;;
    grpc)
      bench_window "$s" 0.3
      bench_measure "${pid[grpc]}" "$bench_lead" "$bench_span" "$grpc_bin/grpc_echo_client" \
        --port="${port[grpc]}" --connections="$c" --outstanding="$k" --payload="$payload" \
        --seconds="$s"
      rps=$(bench_field ' ([0-9.]+) calls/s' "$bench_out")
      ;;
    raw)
      bench_window "$s" 0.1
      bench_measure "${pid[raw]}" "$bench_lead" "$bench_span" "$bin/raw_floor_client" \
        --mode=mrpc --port="${port[raw]}" --connections="$c" --outstanding="$k" \
        --payload="$payload" --seconds="$s"
      rps=$(bench_field ' ([0-9.]+) calls/s' "$bench_out")
      ;;
  esac
  [[ -n $rps ]] || { echo "no calls/s from $side's client: $bench_out" >&2; return 1; }
  cpu_us=$(bench_cpu_us "$bench_cpu_rate" "$rps")
}

for workload in ${workloads//,/ }; do
  case "$workload" in
    rpc_50x1) c=50 k=1 busy=0 ;;
    rpc_1x1) c=1 k=1 busy=0 ;;
    rpc_1x100) c=1 k=100 busy=0 ;;
    rpc_busy_1x1) c=1 k=1 busy=$busy_poll_us ;;
    *) echo "rpc_echo_vs_peers.sh: unknown workload $workload" >&2; exit 2 ;;
  esac
  sides=(ours raw)
  [[ -n $muduo_bin && $k == 1 ]] && sides+=(muduo)
  [[ -n $grpc_bin ]] && sides+=(grpc)
  declare -A pid port
  bench_start "$tmp/ours.log" "$bin/rpc_bench_server" --port=0 --io_threads=0 \
    --busy_poll_us="$busy"
  pid[ours]=$bench_pid; pids+=("$bench_pid")
  bench_wait_listening "$tmp/ours.log"; port[ours]=$bench_port
  bench_start "$tmp/raw.log" "$bin/raw_floor_server" --mode=mrpc --port=0
  pid[raw]=$bench_pid; pids+=("$bench_pid")
  bench_wait_listening "$tmp/raw.log"; port[raw]=$bench_port
  if [[ " ${sides[*]} " == *" muduo "* ]]; then
    port[muduo]=$(bench_free_port)
    # <threads> <port>: 0 threads serves in the accepting loop, like ours.
    bench_start "$tmp/muduo.log" "$muduo_bin/protobuf_rpc_echo_server" 0 "${port[muduo]}"
    pid[muduo]=$bench_pid; pids+=("$bench_pid")
    bench_wait_port "${port[muduo]}"
  fi
  if [[ " ${sides[*]} " == *" grpc "* ]]; then
    bench_start "$tmp/grpc.log" "$grpc_bin/grpc_echo_server" --port=0
    pid[grpc]=$bench_pid; pids+=("$bench_pid")
    bench_wait_listening "$tmp/grpc.log"; port[grpc]=$bench_port
  fi
  muduo_rate=''
  for side in "${sides[@]}"; do rpc_run "$side" "$c" "$k" 1; done  # warm-up, not reported
  for round in $(seq "$rounds"); do
    rpc_run ours "$c" "$k" "$seconds"
    ours_rps=$rps ours_cpu=$cpu_us
    for side in "${sides[@]:1}"; do
      rpc_run "$side" "$c" "$k" "$seconds"
      bench_result "$workload" "$side" "$round" "$ours_rps" "$rps" "$ours_cpu" "$cpu_us"
    done
  done
  for side in "${sides[@]}"; do bench_stop "${pid[$side]}"; done
  pids=()
  unset pid port
done
