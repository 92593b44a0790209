#!/usr/bin/env bash
# The side-by-side benchmark of issue 15: every workload against its peers in
# interleaved rounds (ours, peer, ours, peer ...), server pinned to core 0 and
# load to core 1 with taskset, one event loop each, each server warmed up
# before its rounds; then a markdown table of
#   workload | peer | ours / peer throughput (median of per-round ratios)
#   | server CPU µs per request, ours / peer | ours / raw floor
# Server CPU is utime + stime of the server process (/proc/<pid>/stat),
# sampled over a window inside each measured run, divided by the requests
# served in it.
#
#   tools/bench/side_by_side.sh [--rounds=3] [--seconds=5] [--workloads=LIST]
#       [--ours_tree=DIR] [--peers_dir=/work/peers] [--kv_requests=100000]
#       [--idle_connections=10000] [--results=FILE] [--busy_poll_us=50]
#
# --workloads  comma-separated groups or single workloads (default: all):
#     pingpong  = pingpong_16k_x10, pingpong_16k_x100, pingpong_16k_x1000, pingpong_4k_x100
#                 (vs muduo examples/pingpong, and the raw floor)
#     rpc       = rpc_50x1, rpc_1x1, rpc_1x100 (connections x calls in flight;
#                 vs muduo protorpc, gRPC, and the raw floor), rpc_busy_1x1
#                 (rpc_1x1 with our server and client at --busy_poll_us, a
#                 separate row whose CPU column is the spinning's cost)
#     kv        = tools/kv_bench/run.sh's pairs vs redis-server (its own rounds)
#     http      = hello, static16k, and both with 16 requests pipelined per
#                 write, hello_p16 and static16k_p16 (tools/bench/http_vs_nginx.sh,
#                 vs nginx-light with open_file_cache on; hello also vs the raw
#                 floor). Without pipelining the one wrk thread spends more CPU
#                 per request than either server, so those rows are client-bound;
#                 the _p16 rows are the servers' own ratio. The CPU column adds
#                 the client's CPU per request for these rows.
#     idle      = bytes per idle connection vs muduo (--idle_connections of them)
# --ours_tree  the tree whose code is "ours": built there with
#              `tools/bazel build --config=opt` (default: this tree). Run it
#              once for a "before" worktree and once for an "after" one. The
#              raw floor and conn_scale (instruments, not contestants) always
#              come from this script's tree.
# --seconds    measured seconds per run (a whole number: muduo's pingpong
#              client takes one); --rounds at least 3 for a figure you quote.
# --results    also keep the RESULT lines in FILE (default: a temp file,
#              whose path is printed).
# --busy_poll_us  the busy-poll budget of rpc_busy_1x1's server and client.
#
# Peers: muduo from tools/bench/build_peers.sh (run here when its binaries are
# missing; it needs the local snapshot of chenshuo/muduo), the gRPC echo peer
# from tools/bench/grpc_peer (built here with g++ and pkg-config into
# --peers_dir, rebuilt when its sources change), redis-server and
# redis-benchmark, nginx (through http_vs_nginx.sh). See tools/bench/README.md.
#
# The sub-scripts print RESULT lines (tools/bench/aggregate.py reads them);
# this script builds, runs them and aggregates.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tree="$(cd "$here/../.." && pwd)"

rounds=3 seconds=5 workloads=pingpong,rpc,kv,http,idle ours_tree=$tree peers_dir=/work/peers
kv_requests=100000 idle_connections=10000 results='' busy_poll_us=50
for arg in "$@"; do
  case "$arg" in
    --rounds=*) rounds="${arg#*=}" ;;
    --seconds=*) seconds="${arg#*=}" ;;
    --workloads=*) workloads="${arg#*=}" ;;
    --ours_tree=*) ours_tree="$(cd "${arg#*=}" && pwd)" ;;
    --peers_dir=*) peers_dir="${arg#*=}" ;;
    --kv_requests=*) kv_requests="${arg#*=}" ;;
    --idle_connections=*) idle_connections="${arg#*=}" ;;
    --results=*) results="${arg#*=}" ;;
    --busy_poll_us=*) busy_poll_us="${arg#*=}" ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "side_by_side.sh: unknown flag $arg (see --help)" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "--rounds must be a positive whole number" >&2; exit 2; }
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "--seconds must be a positive whole number" >&2; exit 2; }
(( rounds >= 3 )) || echo "side_by_side.sh: $rounds rounds: fine for a smoke test, quote 3 or more" >&2

# Workload selection: group -> the comma list handed to its sub-script.
declare -A sel
for w in ${workloads//,/ }; do
  case "$w" in
    pingpong) sel[pingpong]=pingpong_16k_x10,pingpong_16k_x100,pingpong_16k_x1000,pingpong_4k_x100 ;;
    rpc) sel[rpc]=rpc_50x1,rpc_1x1,rpc_busy_1x1,rpc_1x100 ;;
    pingpong_*) sel[pingpong]="${sel[pingpong]:+${sel[pingpong]},}$w" ;;
    rpc_*) sel[rpc]="${sel[rpc]:+${sel[rpc]},}$w" ;;
    kv|http|idle) sel[$w]=yes ;;
    *) echo "side_by_side.sh: unknown workload $w (see --help)" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[[ -n $results ]] || results=$(mktemp /tmp/side_by_side.XXXXXX)
: >"$results"
bin=$tmp/bin
mkdir -p "$bin"

# Builds TARGETS in TREE with the opt config and copies the binaries to $bin,
# so later builds in that tree cannot change them mid-run.
build_into_bin() {  # tree targets...
  local t=$1 target
  shift
  (cd "$t" && tools/bazel build --config=opt "$@" >&2)
  for target in "$@"; do
    cp -f "$t/bazel-bin/$(sed 's|^//||; s|:|/|' <<<"$target")" "$bin/"
  done
}

ours_targets=()
[[ -n ${sel[pingpong]:-} || -n ${sel[idle]:-} ]] &&
  ours_targets+=(//tools/pingpong:pingpong_server //tools/pingpong:pingpong_client)
[[ -n ${sel[rpc]:-} ]] && ours_targets+=(//tools/rpc_bench:rpc_bench_server //tools/rpc_bench:rpc_bench)
[[ -n ${sel[http]:-} ]] && ours_targets+=(//muduo/net/http:hello_server //muduo/net/http:file_server)
instruments=(//tools/bench/raw_floor:raw_floor_server //tools/bench/raw_floor:raw_floor_client)
[[ -n ${sel[idle]:-} ]] && instruments+=(//tools/conn_scale:conn_scale)
if [[ -n ${sel[pingpong]:-}${sel[rpc]:-}${sel[idle]:-}${sel[http]:-} ]]; then
  echo "== building ours in $ours_tree and the instruments in $tree" >&2
  build_into_bin "$ours_tree" "${ours_targets[@]}"
  build_into_bin "$tree" "${instruments[@]}"
fi

muduo_bin=$peers_dir/muduo-build/bin
if [[ -n ${sel[pingpong]:-}${sel[rpc]:-}${sel[idle]:-} ]] &&
  [[ ! -x $muduo_bin/pingpong_server || ! -x $muduo_bin/protobuf_rpc_echo_server ]]; then
  echo "== building muduo" >&2
  "$here/build_peers.sh" --peers_dir="$peers_dir" >&2
fi
grpc_bin=''
if [[ -n ${sel[rpc]:-} ]]; then
  stamp=$(cat "$here"/grpc_peer/* | sha1sum | cut -c1-12)
  grpc_bin=$peers_dir/grpc-peer-$stamp
  if [[ ! -x $grpc_bin/grpc_echo_client ]]; then
    echo "== building the gRPC peer into $grpc_bin" >&2
    "$here/grpc_peer/build.sh" "$grpc_bin" || {
      echo "SKIP workload=rpc_vs_grpc reason=the gRPC peer did not build (apt-get install" \
        "libgrpc++-dev protobuf-compiler-grpc)" >>"$results"
      grpc_bin=''
    }
  fi
fi

# run GROUP cmd...: runs a sub-script, keeping its RESULT lines; a failure is
# recorded as a SKIP row instead of ending the whole run.
run() {
  local group=$1 rc=0
  shift
  echo "== $group: $*" >&2
  "$@" | tee -a "$results" >&2 || rc=$?
  ((rc == 0)) || echo "SKIP workload=$group reason=$(basename "$1") exited with $rc; see its" \
    "messages above" >>"$results"
}

common=(--rounds="$rounds")
[[ -n ${sel[pingpong]:-} ]] && run pingpong "$here/pingpong_vs_muduo.sh" --bin="$bin" \
  --muduo_bin="$muduo_bin" "${common[@]}" --seconds="$seconds" --workloads="${sel[pingpong]}"
[[ -n ${sel[rpc]:-} ]] && run rpc "$here/rpc_echo_vs_peers.sh" --bin="$bin" \
  --muduo_bin="$muduo_bin" --grpc_bin="$grpc_bin" "${common[@]}" --seconds="$seconds" \
  --workloads="${sel[rpc]}" --busy_poll_us="$busy_poll_us"
[[ -n ${sel[kv]:-} ]] && run kv "$here/kv_vs_redis.sh" --ours_tree="$ours_tree" "${common[@]}" \
  --requests="$kv_requests"
[[ -n ${sel[http]:-} ]] && run http "$here/http_vs_nginx.sh" --bin="$bin" "${common[@]}" \
  --secs="$seconds"
[[ -n ${sel[idle]:-} ]] && run idle "$here/idle_vs_muduo.sh" --bin="$bin" \
  --muduo_bin="$muduo_bin" "${common[@]}" --connections="$idle_connections"

commit_of() { git -C "$1" rev-parse --short HEAD 2>/dev/null || echo unknown; }
dirty_of() { [[ -n $(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null) ]] && echo ", with uncommitted changes" || true; }
echo
echo "Side by side, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg); $rounds rounds of ${seconds} s; server on core 0, load on core 1."
echo "ours: $ours_tree at $(commit_of "$ours_tree")$(dirty_of "$ours_tree");" \
  "muduo $(cut -c1-12 "$peers_dir/muduo-build/COMMIT" 2>/dev/null || echo '(not built)');" \
  "gRPC $(pkg-config --modversion grpc++ 2>/dev/null || echo '(none)');" \
  "$(redis-server --version 2>/dev/null | cut -d' ' -f1-3 || true)"
echo
"$here/aggregate.py" "$results"
echo
echo "RESULT lines: $results"
