#!/usr/bin/env bash
# Where the server's CPU goes, per poller backend: perf record -e cpu-clock -g
# on the server (core 0) while the client (core 1) runs, then server CPU
# microseconds per request split into kernel and user space, and the shares
# of the kernel paths io_uring can make expensive: completion work run on
# return to user space (task_work_run) or in the wait (__io_run_local_work),
# reschedule IPIs that stop the loop to run it, and socket-lock spinning
# (__pv_queued_spin_lock_slowpath). The CPU per request is load-dependent;
# the shares within one run are what to compare.
#
# Usage: tools/bench/poller_perf.sh [seconds=4]
#   BIN=dir   take the binaries from dir instead of this tree's opt build.
#   BACKENDS="epoll io"   which backends (uring: MUDUO_USE_URING=1; io:
#             completion mode, MUDUO_USE_URING=io).
#   WORKLOADS="rpc_50x1 pingpong_4k_x10"
#   KEEP=dir  keep each perf.data there (as perf.<backend>.<workload>).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-4}
backends=${BACKENDS:-epoll io}
workloads=${WORKLOADS:-rpc_50x1 pingpong_4k_x10}
# shellcheck source=tools/bench/lib.sh
source tools/bench/lib.sh
bench_poller_bins
tmp=$(mktemp -d)
trap '[[ -n "${bench_pid:-}" ]] && bench_stop "${bench_pid}"; rm -rf "${tmp}"' EXIT

# share DATA SYMBOL: percent of samples with SYMBOL on their stack.
share() {
  perf report -i "$1" --children --sort sym -g none -q 2>/dev/null |
    awk -v s="$2" '$NF == s { print $1; found = 1; exit } END { if (!found) print "0%" }'
}

run() {
  local workload=$1 backend=$2 server client
  case ${workload} in
    rpc_50x1)
      server=("${rb}/rpc_bench_server" --io_threads=0)
      client=("${rb}/rpc_bench" --connections=50 --outstanding=1) ;;
    pingpong_4k_x10)
      server=("${pp}/pingpong_server" --threads=0)
      client=("${pp}/pingpong_client" --threads=1 --block_size=4096 --sessions=10) ;;
    *) echo "unknown workload ${workload}" >&2; exit 2 ;;
  esac
  case ${backend} in
    epoll) bench_server_env=(-u MUDUO_USE_URING) ;;
    uring) bench_server_env=(MUDUO_USE_URING=1) ;;
    io) bench_server_env=(MUDUO_USE_URING=io) ;;
    *) echo "unknown backend ${backend}" >&2; exit 2 ;;
  esac
  bench_start "${tmp}/server" "${server[@]}"
  bench_wait_listening "${tmp}/server"
  taskset -c 1 "${client[@]}" --port="${bench_port}" --seconds=1 >/dev/null  # warm-up
  local data="${tmp}/perf.${backend}.${workload}" c0 c1
  c0=$(bench_cpu_ticks "${bench_pid}")
  perf record -q -e cpu-clock -g -p "${bench_pid}" -o "${data}" -- sleep "$((seconds + 1))" \
    >/dev/null 2>&1 &
  local recorder=$!
  taskset -c 1 "${client[@]}" --port="${bench_port}" --seconds="${seconds}" >"${tmp}/client"
  c1=$(bench_cpu_ticks "${bench_pid}")
  wait "${recorder}" || true
  bench_stop "${bench_pid}"
  bench_pid=
  local rate kernel
  rate=$(grep -oE '[0-9.]+ (messages|calls)/s' "${tmp}/client" | head -1 | cut -d' ' -f1)
  kernel=$(perf report -i "${data}" --no-children --sort dso -g none -q 2>/dev/null |
    awk '/kernel/ { sub(/%/, "", $1); print $1 }')
  awk -v w="${workload}" -v b="${backend}" -v r="${rate}" -v s="${seconds}" \
    -v c=$((c1 - c0)) -v hz="${bench_hz}" -v k="${kernel:-0}" 'BEGIN {
      n = r * s; us = (n > 0 ? c / hz * 1e6 / n : 0)
      printf "%-16s %-6s %9.0f req/s  server %6.2f µs/req: kernel %5.1f%% (%.2f µs) user %.2f µs\n",
        w, b, r, us, k, us * k / 100, us * (100 - k) / 100 }'
  printf '    task work on return %s, in the wait %s, reschedule IPIs %s, lock spinning %s\n' \
    "$(share "${data}" task_work_run)" "$(share "${data}" __io_run_local_work)" \
    "$(share "${data}" asm_sysvec_reschedule_ipi)" \
    "$(share "${data}" __pv_queued_spin_lock_slowpath)"
  if [[ -n ${KEEP:-} ]]; then mkdir -p "${KEEP}" && cp "${data}" "${KEEP}/"; fi
}

for w in ${workloads}; do
  for b in ${backends}; do run "${w}" "${b}"; done
done
