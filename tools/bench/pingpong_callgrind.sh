#!/usr/bin/env bash
# Load-independent cost of one echoed block: runs a pingpong server (ours,
# muduo's or the raw floor's) under callgrind on core 0, drives it with its
# own client on core 1 for a short and a long run, and prints the server's
# user-space instructions per block echoed, (Ir_long - Ir_short) /
# (blocks_long - blocks_short), so start-up, connecting and shutdown cancel
# out. Wall-clock figures on this shared machine are noise; these are not.
#
#   tools/bench/pingpong_callgrind.sh --bin=DIR [--muduo_bin=DIR] [--side=ours|muduo|raw]
#       [--block=16384] [--sessions=100] [--seconds=2,6] [--keep=DIR] [--cache_sim]
#
# DIR holds pingpong_server, pingpong_client, raw_floor_server and
# raw_floor_client (an opt build); --muduo_bin is build_peers.sh's bin
# directory. --keep leaves the callgrind dumps there for callgrind_annotate.
# --cache_sim adds callgrind's cache simulation (its model of this machine's
# caches) and prints L1 data and last-level misses per block as well: a
# working set that outgrows a cache shows there, whatever the machine's load.
set -euo pipefail
# shellcheck source=tools/bench/lib.sh
source "$(dirname "$0")/lib.sh"

bin='' muduo_bin=/work/peers/muduo-build/bin side=ours block=16384 sessions=100
seconds=2,6 keep='' cache_sim=no
for arg in "$@"; do
  case "$arg" in
    --bin=*) bin="${arg#*=}" ;;
    --muduo_bin=*) muduo_bin="${arg#*=}" ;;
    --side=*) side="${arg#*=}" ;;
    --block=*) block="${arg#*=}" ;;
    --sessions=*) sessions="${arg#*=}" ;;
    --seconds=*) seconds="${arg#*=}" ;;
    --keep=*) keep="${arg#*=}" ;;
    --cache_sim) cache_sim=yes ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
  esac
done
[[ -x $bin/pingpong_server ]] || { echo "pingpong_callgrind.sh: need --bin" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# run SECONDS: prints "<blocks echoed> <event>=<count>..." for the server.
run() {
  local s=$1 port out bytes
  port=$(bench_free_port)
  local cg=(valgrind --tool=callgrind "--cache-sim=$cache_sim" "--callgrind-out-file=$work/cg.$s")
  case "$side" in
    ours) taskset -c 0 "${cg[@]}" "$bin/pingpong_server" --port="$port" --threads=0 \
      >"$work/server.$s" 2>&1 & ;;
    muduo) taskset -c 0 "${cg[@]}" "$muduo_bin/pingpong_server" 127.0.0.1 "$port" 1 \
      >"$work/server.$s" 2>&1 & ;;
    raw) taskset -c 0 "${cg[@]}" "$bin/raw_floor_server" --mode=echo --port="$port" \
      >"$work/server.$s" 2>&1 & ;;
    *) echo "unknown --side=$side" >&2; exit 2 ;;
  esac
  local server=$!
  bench_wait_port "$port"
  case "$side" in
    ours) out=$(taskset -c 1 "$bin/pingpong_client" --port="$port" --threads=1 \
      --block_size="$block" --sessions="$sessions" --seconds="$s" 2>&1) ;;
    muduo) out=$(taskset -c 1 "$muduo_bin/pingpong_client" 127.0.0.1 "$port" 1 "$block" \
      "$sessions" "$s" 2>&1) ;;
    raw) out=$(taskset -c 1 "$bin/raw_floor_client" --mode=echo --port="$port" \
      --block_size="$block" --connections="$sessions" --seconds="$s" 2>&1) ;;
  esac
  bytes=$(bench_pingpong_bytes "$side" "$s" "$out")
  [[ -n $bytes ]] || { echo "no byte count from the $side client: $out" >&2; exit 1; }
  kill -TERM "$server"
  wait "$server" 2>/dev/null || true
  [[ -z $keep ]] || { mkdir -p "$keep" && cp "$work/cg.$s" "$keep/cg.$side.$s"; }
  echo "$((bytes / block)) $(awk '/^events:/ { for (i = 2; i <= NF; i++) name[i] = $i }
    /^(totals|summary):/ { for (i = 2; i <= NF; i++) printf " %s=%s", name[i], $i; exit }' \
    "$work/cg.$s")"
}

IFS=, read -r short long <<<"$seconds"
short_out=$(run "$short")
long_out=$(run "$long")
awk -v a="$short_out" -v b="$long_out" -v what="$side ${block}x$sessions" 'BEGIN {
  na = split(a, fa, " "); split(b, fb, " ")
  for (i = 2; i <= na; i++) { split(fa[i], x, "="); split(fb[i], y, "="); ev[x[1]] = y[2] - x[2]; e0[x[1]] = x[2]; e1[x[1]] = y[2] }
  blocks = fb[1] - fa[1]
  printf "%s: %.0f instructions per block (%d Ir over %d blocks, %d over %d)\n",
    what, ev["Ir"] / blocks, e0["Ir"], fa[1], e1["Ir"], fb[1]
  if ("D1mr" in ev)
    printf "%s: per block D1 misses %.1f (read %.1f, write %.1f), LL misses %.1f (read %.1f, write %.1f)\n",
      what, (ev["D1mr"] + ev["D1mw"]) / blocks, ev["D1mr"] / blocks, ev["D1mw"] / blocks,
      (ev["DLmr"] + ev["DLmw"]) / blocks, ev["DLmr"] / blocks, ev["DLmw"] / blocks
}'
