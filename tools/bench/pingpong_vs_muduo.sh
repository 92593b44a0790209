#!/usr/bin/env bash
# Pingpong (every byte echoed) ours vs muduo's examples/pingpong vs the raw
# floor, interleaved: each round runs ours, muduo, raw for one workload. Each
# side drives its own server with its own client (library against library),
# one event loop each, server on core 0, client on core 1. Each server is
# started once per workload and warmed up before the rounds.
#
#   tools/bench/pingpong_vs_muduo.sh --bin=DIR --muduo_bin=DIR [--rounds=3] [--seconds=5]
#       [--workloads=pingpong_16k_x10,pingpong_16k_x100,pingpong_16k_x1000,pingpong_4k_x100]
#
# DIR holds pingpong_server, pingpong_client, raw_floor_server, raw_floor_client
# (side_by_side.sh prepares it); --muduo_bin is build_peers.sh's bin directory.
# Prints, per workload, round and peer (muduo, raw):
#   RESULT workload=W peer=P round=R ours_rps=X peer_rps=Y ours_cpu_us=A peer_cpu_us=B
# where rps is blocks echoed per second (MiB/s / block size) and cpu_us is
# server CPU microseconds per block.
set -euo pipefail
# shellcheck source=tools/bench/lib.sh
source "$(dirname "$0")/lib.sh"

bin='' muduo_bin='' rounds=3 seconds=5
workloads=pingpong_16k_x10,pingpong_16k_x100,pingpong_16k_x1000,pingpong_4k_x100
for arg in "$@"; do
  case "$arg" in
    --bin=*) bin="${arg#*=}" ;;
    --muduo_bin=*) muduo_bin="${arg#*=}" ;;
    --rounds=*) rounds="${arg#*=}" ;;
    --seconds=*) seconds="${arg#*=}" ;;
    --workloads=*) workloads="${arg#*=}" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
[[ -x $bin/pingpong_server && -x $muduo_bin/pingpong_server ]] || {
  echo "pingpong_vs_muduo.sh: need --bin and --muduo_bin" >&2
  exit 2
}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "--seconds must be a whole number (muduo's client takes one)" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

# Client commands for one side: pp_client SIDE PORT BLOCK SESSIONS SECONDS
pp_client() {
  case "$1" in
    ours) echo "$bin/pingpong_client --port=$2 --threads=1 --block_size=$3 --sessions=$4 --seconds=$5" ;;
    muduo) echo "$muduo_bin/pingpong_client 127.0.0.1 $2 1 $3 $4 $5" ;;
    raw) echo "$bin/raw_floor_client --mode=echo --port=$2 --block_size=$3 --connections=$4 --seconds=$5" ;;
  esac
}

# pp_run SIDE PID PORT BLOCK SESSIONS: sets rps and cpu_us.
pp_run() {
  local mib
  bench_window "$seconds" 0.2
  # shellcheck disable=SC2046
  bench_measure "$2" "$bench_lead" "$bench_span" $(pp_client "$1" "$3" "$4" "$5" "$seconds")
  mib=$(bench_field ' ([0-9.]+) MiB/s' "$bench_out")
  [[ -n $mib ]] || { echo "no MiB/s from $1's client: $bench_out" >&2; return 1; }
  rps=$(awk -v m="$mib" -v b="$4" 'BEGIN { printf "%.0f", m * 1048576 / b }')
  cpu_us=$(bench_cpu_us "$bench_cpu_rate" "$rps")
}

for workload in ${workloads//,/ }; do
  case "$workload" in
    pingpong_16k_x10) block=16384 sessions=10 ;;
    pingpong_16k_x100) block=16384 sessions=100 ;;
    pingpong_16k_x1000) block=16384 sessions=1000 ;;
    pingpong_4k_x100) block=4096 sessions=100 ;;
    *) echo "pingpong_vs_muduo.sh: unknown workload $workload" >&2; exit 2 ;;
  esac
  declare -A pid port
  bench_start "$tmp/ours.log" "$bin/pingpong_server" --port=0 --threads=0
  pid[ours]=$bench_pid; pids+=("$bench_pid")
  bench_wait_listening "$tmp/ours.log"; port[ours]=$bench_port
  bench_start "$tmp/raw.log" "$bin/raw_floor_server" --mode=echo --port=0
  pid[raw]=$bench_pid; pids+=("$bench_pid")
  bench_wait_listening "$tmp/raw.log"; port[raw]=$bench_port
  port[muduo]=$(bench_free_port)
  # muduo's server takes <address> <port> <threads>; 1 thread serves in the
  # accepting loop, like ours with --threads=0.
  bench_start "$tmp/muduo.log" "$muduo_bin/pingpong_server" 127.0.0.1 "${port[muduo]}" 1
  pid[muduo]=$bench_pid; pids+=("$bench_pid")
  bench_wait_port "${port[muduo]}"

  for side in ours muduo raw; do  # warm-up: one second each, not measured
    # shellcheck disable=SC2046
    taskset -c 1 $(pp_client "$side" "${port[$side]}" "$block" "$sessions" 1) >/dev/null 2>&1
  done
  for round in $(seq "$rounds"); do
    pp_run ours "${pid[ours]}" "${port[ours]}" "$block" "$sessions"
    ours_rps=$rps ours_cpu=$cpu_us
    for side in muduo raw; do
      pp_run "$side" "${pid[$side]}" "${port[$side]}" "$block" "$sessions"
      bench_result "$workload" "$side" "$round" "$ours_rps" "$rps" "$ours_cpu" "$cpu_us"
    done
  done
  for side in ours muduo raw; do bench_stop "${pid[$side]}"; done
  pids=()
  unset pid port
done
