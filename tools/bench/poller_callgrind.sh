#!/usr/bin/env bash
# Server instructions per request (callgrind, user space only), per poller
# backend: a load-independent figure like poller_syscalls.sh's. The server
# runs under valgrind --tool=callgrind on core 0, in one thread (valgrind
# 3.19 holds its big lock through a blocking io_uring_enter, so a second
# loop thread would never run); after a warm-up the counters are zeroed
# (callgrind_control -z), the client runs
# for the measured seconds on core 1, and the dump taken then
# (callgrind_control -d) is divided by the requests the client counted.
#
# What it leaves out: instructions the kernel executes (syscalls, and the
# work io_uring does in the kernel on our behalf). So it measures the
# library's own cost per request; poller_syscalls.sh gives the syscall side.
#
# Usage: tools/bench/poller_callgrind.sh [seconds=4]
#   BIN=dir       take the binaries from dir instead of building them with
#                 --config=opt.
#   BACKENDS="epoll uring io"   which backends, in this order (uring: the
#                 readiness io_uring poller, MUDUO_USE_URING=1; io: completion
#                 mode, MUDUO_USE_URING=io).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-4}
backends=${BACKENDS:-epoll uring io}
# shellcheck source=tools/bench/lib.sh
source tools/bench/lib.sh
bench_poller_bins
tmp=$(mktemp -d)
server=
trap '[[ -n "${server}" ]] && kill "${server}" 2>/dev/null; rm -rf "${tmp}"' EXIT

# backend_env BACKEND: the environment the server gets.
backend_env() {
  case $1 in
    epoll) echo "MUDUO_USE_URING_UNSET=1" ;;
    uring) echo "MUDUO_USE_URING=1" ;;
    io) echo "MUDUO_USE_URING=io" ;;
    *) echo "unknown backend $1" >&2; exit 2 ;;
  esac
}

# run NAME BACKEND SERVER CLIENT SERVER_ARGS CLIENT_ARGS...
run() {
  local name=$1 backend=$2 server_bin=$3 client=$4
  shift 4
  rm -f "${tmp}"/callgrind.out.* "${tmp}/out"
  local server_args=$1
  shift
  # shellcheck disable=SC2086
  env -u MUDUO_USE_URING "$(backend_env "${backend}")" taskset -c 0 valgrind --tool=callgrind \
    --callgrind-out-file="${tmp}/callgrind.out.%p" "${server_bin}" ${server_args} \
    >"${tmp}/out" 2>&1 &
  server=$!
  for _ in $(seq 600); do grep -q listening "${tmp}/out" && break; sleep 0.1; done
  sleep 0.5  # the "listening" line may come before the loop runs
  local port
  port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "${tmp}/out")
  # Warm-up: connections, buffers and the first allocations, not counted.
  env -u MUDUO_USE_URING taskset -c 1 "${client}" --port="${port}" --seconds=1 "$@" >/dev/null
  callgrind_control -z "${server}" >/dev/null 2>&1
  env -u MUDUO_USE_URING taskset -c 1 "${client}" --port="${port}" --seconds="${seconds}" "$@" \
    >"${tmp}/client"
  callgrind_control -d "${server}" >/dev/null 2>&1
  # KILL: valgrind does not deliver TERM to a thread blocked in
  # io_uring_enter, and the dump is already written.
  kill -KILL "${server}" 2>/dev/null || true
  wait "${server}" 2>/dev/null || true
  server=
  local rate req ir
  rate=$(grep -oE '[0-9.]+ (messages|calls)/s' "${tmp}/client" | head -1 | cut -d' ' -f1)
  req=$(awk -v rate="${rate}" -v secs="${seconds}" 'BEGIN { printf "%d", rate * secs }')
  # The dump made by -d carries the measured span; sum its totals.
  ir=$(cat "${tmp}"/callgrind.out.*.[0-9]* 2>/dev/null | awk '/^totals:/ { s += $2 } END { print s + 0 }')
  awk -v name="${name}" -v backend="${backend}" -v req="${req}" -v ir="${ir}" 'BEGIN {
    printf "%-20s %-6s requests %8d  instructions/request %8.0f\n", name, backend, req, (req > 0 ? ir / req : 0) }'
}

for backend in ${backends}; do
  run "pingpong 4KiB x 10" "${backend}" "${pp}/pingpong_server" "${pp}/pingpong_client" \
    "--threads=0" --threads=1 --block_size=4096 --sessions=10
  run "rpc echo 50 x 1" "${backend}" "${rb}/rpc_bench_server" "${rb}/rpc_bench" \
    "--io_threads=0" --connections=50 --outstanding=1
done
