#!/usr/bin/env bash
# Idle connections: resident bytes per idle connection of ours (pingpong_server,
# one event loop) vs muduo (its examples/pingpong server, one event loop),
# measured the same way for both by tools/conn_scale --server_pid. A fresh
# server per side and round (a server that has held connections before keeps
# some of that memory), interleaved: ours, muduo, ours, muduo ...
#
#   tools/bench/idle_vs_muduo.sh --bin=DIR --muduo_bin=DIR [--rounds=3] [--connections=10000]
#
# DIR holds pingpong_server and conn_scale. Prints per round:
#   RESULT workload=idle_N peer=muduo round=R ours_bytes_per_conn=X peer_bytes_per_conn=Y
set -euo pipefail
# shellcheck source=tools/bench/lib.sh
source "$(dirname "$0")/lib.sh"

bin='' muduo_bin='' rounds=3 connections=10000
for arg in "$@"; do
  case "$arg" in
    --bin=*) bin="${arg#*=}" ;;
    --muduo_bin=*) muduo_bin="${arg#*=}" ;;
    --rounds=*) rounds="${arg#*=}" ;;
    --connections=*) connections="${arg#*=}" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
[[ -x $bin/conn_scale && -x $muduo_bin/pingpong_server ]] || {
  echo "idle_vs_muduo.sh: need --bin and --muduo_bin" >&2
  exit 2
}
tmp=$(mktemp -d)
server=''
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT

# idle_run SIDE: sets bytes.
idle_run() {
  local port out
  if [[ $1 == ours ]]; then
    bench_start "$tmp/server.log" "$bin/pingpong_server" --port=0 --threads=0
    server=$bench_pid
    bench_wait_listening "$tmp/server.log"
    port=$bench_port
  else
    port=$(bench_free_port)
    bench_start "$tmp/server.log" "$muduo_bin/pingpong_server" 127.0.0.1 "$port" 1
    server=$bench_pid
    bench_wait_port "$port"
  fi
  # Spread over 4 source addresses so 10,000+ connections never run out of
  # ephemeral ports, whatever the range.
  out=$(taskset -c 1 "$bin/conn_scale" --server_pid="$server" --port="$port" \
    --connections="$connections" --source_addresses=4 2>&1) || {
    echo "conn_scale failed against $1: $out" >&2
    return 1
  }
  bench_stop "$server"
  server=''
  bytes=$(bench_field ' ([0-9.]+) bytes per connection' "$out")
}

for round in $(seq "$rounds"); do
  idle_run ours
  ours=$bytes
  idle_run muduo
  echo "RESULT workload=idle_$connections peer=muduo round=$round ours_bytes_per_conn=$ours" \
    "peer_bytes_per_conn=$bytes"
done
