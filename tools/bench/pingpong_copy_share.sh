#!/usr/bin/env bash
# Where a pingpong server's CPU goes, measured within the server itself: runs
# ours (and the raw floor) under `perf record -e cpu-clock` on core 0, drives
# each with its own client on core 1, and prints per round the share of the
# server's samples spent in the kernel's copies to and from user memory
# (_copy_to_iter, _copy_from_iter) and the server CPU per block. A copy that
# misses the caches shows as a larger share; the share is a ratio within one
# process, so it moves far less with the machine's load than throughput does.
#
#   tools/bench/pingpong_copy_share.sh --bin=DIR [--bin=DIR2 ...] [--raw]
#       [--block=16384] [--sessions=100] [--seconds=3] [--rounds=3]
#
# Each DIR holds pingpong_server and pingpong_client (an opt build); several
# run interleaved, round by round. --raw adds the raw floor (raw_floor_server
# and raw_floor_client from the first DIR).
set -euo pipefail
# shellcheck source=tools/bench/lib.sh
source "$(dirname "$0")/lib.sh"

bins=() raw=no block=16384 sessions=100 seconds=3 rounds=3
for arg in "$@"; do
  case "$arg" in
    --bin=*) bins+=("${arg#*=}") ;;
    --raw) raw=yes ;;
    --block=*) block="${arg#*=}" ;;
    --sessions=*) sessions="${arg#*=}" ;;
    --seconds=*) seconds="${arg#*=}" ;;
    --rounds=*) rounds="${arg#*=}" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
((${#bins[@]} > 0)) || { echo "pingpong_copy_share.sh: need --bin" >&2; exit 2; }
command -v perf >/dev/null || { echo "pingpong_copy_share.sh: needs perf" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

sides=("${bins[@]}")
[[ $raw == no ]] || sides+=(raw)

# one SIDE ROUND: prints one line of figures.
one() {
  local side=$1 r=$2 port server mib data=$work/perf.data
  port=$(bench_free_port)
  if [[ $side == raw ]]; then
    taskset -c 0 perf record -q -e cpu-clock -F 2000 -o "$data" \
      "${bins[0]}/raw_floor_server" --mode=echo --port="$port" >/dev/null 2>&1 &
  else
    taskset -c 0 perf record -q -e cpu-clock -F 2000 -o "$data" \
      "$side/pingpong_server" --port="$port" --threads=0 >/dev/null 2>&1 &
  fi
  server=$!
  bench_wait_port "$port"
  if [[ $side == raw ]]; then
    mib=$(taskset -c 1 "${bins[0]}/raw_floor_client" --mode=echo --port="$port" \
      --block_size="$block" --connections="$sessions" --seconds="$seconds" 2>&1 |
      sed -nE 's/.* ([0-9.]+) MiB\/s.*/\1/p')
  else
    mib=$(taskset -c 1 "$side/pingpong_client" --port="$port" --threads=1 --block_size="$block" \
      --sessions="$sessions" --seconds="$seconds" 2>&1 | sed -nE 's/.* ([0-9.]+) MiB\/s.*/\1/p')
  fi
  kill -INT "$server"
  wait "$server" 2>/dev/null || true
  # perf report's header rounds the sample count ("12K"); count them exactly.
  local samples
  samples=$(perf script -i "$data" 2>/dev/null | wc -l)
  perf report -i "$data" --sort sym --stdio 2>/dev/null |
    awk -v side="$side" -v r="$r" -v mib="$mib" -v s="$seconds" -v b="$block" -v samples="$samples" '
      /_copy_(to|from)_iter/ { share += $1 }
      END {
        blocks = mib * s * 1048576 / b
        if (blocks <= 0) { printf "round %d %s: no blocks echoed\n", r, side; exit }
        printf "round %d %s: %.1f MiB/s, kernel copies %.1f%% of server CPU, server CPU %.2f us per block\n",
          r, side, mib, share, samples * 500 / blocks }'
}

echo "pingpong ${block} x ${sessions}, ${seconds} s per run; server on core 0, load on core 1"
for r in $(seq "$rounds"); do
  for side in "${sides[@]}"; do one "$side" "$r"; done
done
