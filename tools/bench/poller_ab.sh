#!/usr/bin/env bash
# Throughput of our own servers on two poller backends, in interleaved rounds
# (A, B, A, B ...): server pinned to core 0, client to core 1, one loop each.
# Prints per round each backend's requests/s and server CPU µs per request,
# and the median of the per-round ratios B / A. A load-dependent figure:
# quote it beside poller_callgrind.sh and poller_syscalls.sh, never alone.
#
# Usage: tools/bench/poller_ab.sh [--rounds=5] [--seconds=4] [--a=epoll] [--b=io]
#          [--workloads=pingpong_4k_x10,rpc_50x1]
#   Backends: epoll, uring (MUDUO_USE_URING=1), io (MUDUO_USE_URING=io).
#   Workloads: pingpong_4k_x10, pingpong_16k_x100, rpc_50x1, rpc_1x100.
#   BIN=dir   take the binaries from dir instead of this tree's opt build.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=5 seconds=4 a=epoll b=io workloads=pingpong_4k_x10,rpc_50x1
for arg in "$@"; do
  case "$arg" in
    --rounds=*) rounds="${arg#*=}" ;;
    --seconds=*) seconds="${arg#*=}" ;;
    --a=*) a="${arg#*=}" ;;
    --b=*) b="${arg#*=}" ;;
    --workloads=*) workloads="${arg#*=}" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
# shellcheck source=tools/bench/lib.sh
source tools/bench/lib.sh
bench_poller_bins
tmp=$(mktemp -d)
trap '[[ -n "${bench_pid:-}" ]] && bench_stop "${bench_pid}"; rm -rf "${tmp}"' EXIT
bench_window "${seconds}" 1

backend_env() {
  case $1 in
    epoll) bench_server_env=(-u MUDUO_USE_URING) ;;
    uring) bench_server_env=(MUDUO_USE_URING=1) ;;
    io) bench_server_env=(MUDUO_USE_URING=io) ;;
    *) echo "unknown backend $1" >&2; exit 2 ;;
  esac
}

# one WORKLOAD BACKEND: prints "<requests/s> <server CPU µs per request>".
one() {
  local server client
  case $1 in
    pingpong_4k_x10 | pingpong_16k_x100)
      local block=4096 sessions=10
      [[ $1 == pingpong_16k_x100 ]] && block=16384 sessions=100
      server=("${pp}/pingpong_server" --threads=0)
      client=("${pp}/pingpong_client" --threads=1 --block_size="${block}" --sessions="${sessions}") ;;
    rpc_50x1 | rpc_1x100)
      local conns=50 outstanding=1
      [[ $1 == rpc_1x100 ]] && conns=1 outstanding=100
      server=("${rb}/rpc_bench_server" --io_threads=0)
      client=("${rb}/rpc_bench" --connections="${conns}" --outstanding="${outstanding}") ;;
    *) echo "unknown workload $1" >&2; exit 2 ;;
  esac
  backend_env "$2"
  bench_start "${tmp}/server" "${server[@]}"
  bench_wait_listening "${tmp}/server"
  # One second of warm-up inside the run (bench_window's extra lead).
  bench_measure "${bench_pid}" "${bench_lead}" "${bench_span}" \
    "${client[@]}" --port="${bench_port}" --seconds=$((seconds + 1))
  bench_stop "${bench_pid}"
  bench_pid=
  local rate
  rate=$(grep -oE '[0-9.]+ (messages|calls)/s' <<<"${bench_out}" | tail -1 | cut -d' ' -f1)
  echo "${rate} $(bench_cpu_us "${bench_cpu_rate}" "${rate}")"
}

for w in ${workloads//,/ }; do
  ratios=()
  for r in $(seq "${rounds}"); do
    read -r ra ca < <(one "$w" "$a")
    read -r rb_ cb < <(one "$w" "$b")
    ratio=$(awk -v x="${ra}" -v y="${rb_}" 'BEGIN { printf "%.3f", (x > 0 ? y / x : 0) }')
    ratios+=("${ratio}")
    printf '%-18s round %d  %-5s %10.0f/s %6s µs  %-5s %10.0f/s %6s µs  %s/%s %s\n' \
      "$w" "$r" "$a" "${ra}" "${ca}" "$b" "${rb_}" "${cb}" "$b" "$a" "${ratio}"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END {
    print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
  echo "${w}: ${b}/${a} median of ${rounds} rounds ${median}"
done
