#!/usr/bin/env bash
# Server syscalls per request, epoll vs io_uring poller: a load-independent
# figure (strace -c -f counts, divided by the requests the client reports).
# The server runs under strace on core 0, the client on core 1; the backend
# is chosen by MUDUO_USE_URING, as for any muduo binary.
#
# Usage: tools/bench/poller_syscalls.sh [seconds=3]
#   BIN=dir   take pingpong_server/_client, rpc_bench_server/rpc_bench from
#             dir instead of building them with --config=opt.
#   BACKENDS="epoll uring io"   which backends (uring: the readiness io_uring
#             poller, MUDUO_USE_URING=1; io: completion-based I/O,
#             MUDUO_USE_URING=io). The client always runs on epoll.
# Prints, per workload and backend, the requests, the syscalls per request
# and the top syscalls per request.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-3}
# shellcheck source=tools/bench/lib.sh
source tools/bench/lib.sh
bench_poller_bins
tmp=$(mktemp -d)
tracer=
trap '[[ -n "${tracer}" ]] && kill "${tracer}" 2>/dev/null; rm -rf "${tmp}"' EXIT

# run NAME BACKEND SERVER CLIENT_ARGS... : one traced server, one client run.
run() {
  local name=$1 backend=$2 server=$3 client=$4
  shift 4
  local uring=(-u MUDUO_USE_URING)
  [[ "${backend}" == uring ]] && uring=(MUDUO_USE_URING=1)
  [[ "${backend}" == io ]] && uring=(MUDUO_USE_URING=io)
  env "${uring[@]}" strace -c -f -o "${tmp}/strace" taskset -c 0 "${server}" >"${tmp}/out" 2>&1 &
  tracer=$!
  for _ in $(seq 100); do grep -q listening "${tmp}/out" && break; sleep 0.1; done
  local port
  port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "${tmp}/out")
  env -u MUDUO_USE_URING taskset -c 1 "${client}" --port="${port}" --seconds="${seconds}" "$@" \
    >"${tmp}/client"
  # The traced server is strace's child; stopping it ends strace, which then
  # writes its summary.
  local pid
  pid=$(pgrep -P "${tracer}" || true)
  if [[ -n "${pid}" ]]; then kill -TERM "${pid}"; fi
  wait "${tracer}" || true
  tracer=
  local rate
  rate=$(grep -oE '[0-9.]+ (messages|calls)/s' "${tmp}/client" | head -1 | cut -d' ' -f1)
  local req
  req=$(awk -v rate="${rate}" -v secs="${seconds}" 'BEGIN { printf "%d", rate * secs }')
  # strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
  local top
  top=$(awk -v req="${req}" '$1 ~ /^[0-9.]+$/ && $NF != "total" { printf "%s %.3f\n", $NF, $4 / req }' \
    "${tmp}/strace" | sort -k2 -nr | head -4 | tr '\n' ' ')
  awk -v name="${name}" -v backend="${backend}" -v req="${req}" -v top="${top}" '
    $NF == "total" { printf "%-20s %-6s requests %8d  syscalls/request %6.3f  (%s)\n", name, backend, req, $4 / req, top }' \
    "${tmp}/strace"
}

for backend in ${BACKENDS:-epoll uring io}; do
  run "pingpong 4KiB x 10" "${backend}" "${pp}/pingpong_server" "${pp}/pingpong_client" \
    --threads=1 --block_size=4096 --sessions=10
  run "rpc echo 50 x 1" "${backend}" "${rb}/rpc_bench_server" "${rb}/rpc_bench" \
    --connections=50 --outstanding=1
  run "rpc echo 1 x 100" "${backend}" "${rb}/rpc_bench_server" "${rb}/rpc_bench" \
    --connections=1 --outstanding=100
done
