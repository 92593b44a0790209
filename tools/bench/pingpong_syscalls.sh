#!/usr/bin/env bash
# Load-independent syscall profile of one echoed block, server and client:
# runs a pingpong server (ours, muduo's or the raw floor's) on core 0 and its
# own client on core 1, counts both processes' syscalls with perf's syscall
# tracepoints (far lighter than strace, so the batching under test is the
# batching of an untraced run), and prints per block echoed: syscalls, reads
# (and those that found nothing: EAGAIN), writes, epoll waits and changes,
# context switches, and the bytes each successful read returned.
#
#   tools/bench/pingpong_syscalls.sh --bin=DIR [--muduo_bin=DIR] [--side=ours|muduo|raw]
#       [--block=16384] [--sessions=100] [--seconds=3]
#
# DIR holds pingpong_server, pingpong_client, raw_floor_server and
# raw_floor_client (an opt build); --muduo_bin is build_peers.sh's bin
# directory. Needs perf with access to the syscalls:* tracepoints.
# KEEP_STAT=DIR keeps perf's raw counts and both programs' output there.
set -euo pipefail
# shellcheck source=tools/bench/lib.sh
source "$(dirname "$0")/lib.sh"

bin='' muduo_bin=/work/peers/muduo-build/bin side=ours block=16384 sessions=100 seconds=3
for arg in "$@"; do
  case "$arg" in
    --bin=*) bin="${arg#*=}" ;;
    --muduo_bin=*) muduo_bin="${arg#*=}" ;;
    --side=*) side="${arg#*=}" ;;
    --block=*) block="${arg#*=}" ;;
    --sessions=*) sessions="${arg#*=}" ;;
    --seconds=*) seconds="${arg#*=}" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
[[ -x $bin/pingpong_server ]] || { echo "pingpong_syscalls.sh: need --bin" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [[ -n ${KEEP_STAT:-} ]] && cp -r "$work" "$KEEP_STAT"; rm -rf "$work"' EXIT

# Reads are read or readv, writes write or writev (each side uses one kind).
events=raw_syscalls:sys_enter
for s in read readv write writev epoll_wait epoll_pwait epoll_ctl; do
  events+=",syscalls:sys_enter_$s"
done
events+=",syscalls:sys_exit_read,syscalls:sys_exit_readv,context-switches"
# A second, filtered copy of the exit tracepoints counts the reads that
# failed (EAGAIN on a drained socket).
counters=(-e "$events" -e syscalls:sys_exit_read --filter 'ret < 0' -e syscalls:sys_exit_readv
  --filter 'ret < 0')

port=$(bench_free_port)
case "$side" in
  ours) taskset -c 0 "$bin/pingpong_server" --port="$port" --threads=0 >"$work/server" 2>&1 & ;;
  muduo) taskset -c 0 "$muduo_bin/pingpong_server" 127.0.0.1 "$port" 1 >"$work/server" 2>&1 & ;;
  raw) taskset -c 0 "$bin/raw_floor_server" --mode=echo --port="$port" >"$work/server" 2>&1 & ;;
  *) echo "unknown --side=$side" >&2; exit 2 ;;
esac
server=$!
bench_wait_port "$port"
case "$side" in
  ours) client=("$bin/pingpong_client" --port="$port" --threads=1 --block_size="$block"
    --sessions="$sessions" --seconds="$seconds") ;;
  muduo) client=("$muduo_bin/pingpong_client" 127.0.0.1 "$port" 1 "$block" "$sessions" "$seconds") ;;
  raw) client=("$bin/raw_floor_client" --mode=echo --port="$port" --block_size="$block"
    --connections="$sessions" --seconds="$seconds") ;;
esac
# The server's counts cover the client's whole run, connects included; at
# thousands of blocks per second a connect per session is noise.
perf stat -x, "${counters[@]}" -p "$server" -o "$work/server.stat" &
sperf=$!
sleep 0.3  # perf attaches
taskset -c 1 perf stat -x, "${counters[@]}" -o "$work/client.stat" -- "${client[@]}" \
  >"$work/client" 2>&1
kill -INT "$sperf"
wait "$sperf" 2>/dev/null || true
kill -TERM "$server"
wait "$server" 2>/dev/null || true
out=$(cat "$work/client")
bytes=$(bench_pingpong_bytes "$side" "$seconds" "$out")
[[ -n $bytes ]] || { echo "no byte count from the $side client: $out" >&2; exit 1; }
blocks=$((bytes / block))
report() {  # who statfile
  awk -F, -v who="$1" -v blocks="$blocks" -v block="$block" -v what="$side ${block}x$sessions" '
    $3 != "" { n = $1 + 0; e = $3
      if (e ~ /sys_exit_read/) { seen[e]++; if (seen[e] == 1) rd_all += n; else rd_fail += n; next }
      c[e] += n }
    END {
      reads = c["syscalls:sys_enter_read"] + c["syscalls:sys_enter_readv"]
      writes = c["syscalls:sys_enter_write"] + c["syscalls:sys_enter_writev"]
      waits = c["syscalls:sys_enter_epoll_wait"] + c["syscalls:sys_enter_epoll_pwait"]
      ok = rd_all - rd_fail
      per_read = ok > 0 ? blocks * block / ok : 0
      printf "%s %s: %d blocks; per block: syscalls %.3f, reads %.3f (failed %.3f), writes %.3f, epoll_wait %.3f, epoll_ctl %.3f, context switches %.3f; bytes per successful read %.0f\n",
        what, who, blocks, c["raw_syscalls:sys_enter"] / blocks, reads / blocks, rd_fail / blocks,
        writes / blocks, waits / blocks, c["syscalls:sys_enter_epoll_ctl"] / blocks,
        c["context-switches"] / blocks, per_read
    }' "$2"
}
report server "$work/server.stat"
report client "$work/client.stat"
