#!/usr/bin/env bash
# Load-independent HTTP figures per request: syscalls (strace -c -f) and user
# instructions (callgrind) of our hello_server and file_server, of nginx and,
# for hello, of the raw floor (raw_floor_server --mode=http), with 1 request
# per write and with N pipelined (wrk with tools/bench/http_pipeline.lua).
# Each server runs in one process on core 0 (nginx with master_process off:
# it then serves in the one process, as its single worker would), wrk on
# core 1. For each figure the server is started, warmed for a second, then
# measured over one wrk run and divided by the requests wrk completed:
#   - syscalls: strace -c -f attached for the run (it slows the server a lot;
#     the count per request does not depend on speed);
#   - instructions: valgrind --tool=callgrind, counters zeroed after the
#     warm-up (callgrind_control -z) and dumped after the run (-d). User
#     space only: what the kernel does in the syscalls is not in it.
#
# Usage: tools/bench/http_per_request.sh [--depths=1,16] [--secs=3]
#            [--servers=ours,nginx,raw] [--workloads=hello,static16k]
#            [--measures=syscalls,instructions] [--no-build | --bin=DIR]
#   --bin takes hello_server, file_server and raw_floor_server already built
#   (otherwise this tree's are built with --config=opt).
# Output, one line per server, workload, depth and measure:
#   PERREQ server=S workload=W depth=N requests=R syscalls=X top=name:x,name:y...
#   PERREQ server=S workload=W depth=N requests=R instructions=X
set -euo pipefail
cd "$(dirname "$0")/../.."

depths=1,16 secs=3 servers=ours,nginx,raw workloads=hello,static16k
measures=syscalls,instructions build=1 bin=""
for arg in "$@"; do
  case "$arg" in
    --depths=*) depths="${arg#*=}" ;;
    --secs=*) secs="${arg#*=}" ;;
    --servers=*) servers="${arg#*=}" ;;
    --workloads=*) workloads="${arg#*=}" ;;
    --measures=*) measures="${arg#*=}" ;;
    --no-build) build=0 ;;
    --bin=*) bin="${arg#*=}" build=0 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
for tool in nginx wrk taskset strace valgrind callgrind_control; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
if [[ $build == 1 ]]; then
  tools/bazel build --config=opt //muduo/net/http:file_server //muduo/net/http:hello_server \
    //tools/bench/raw_floor:raw_floor_server >&2
fi
work="$(mktemp -d)"
cp "${bin:-bazel-bin/muduo/net/http}/file_server" "${bin:-bazel-bin/muduo/net/http}/hello_server" \
  "${bin:-bazel-bin/tools/bench/raw_floor}/raw_floor_server" "$work/"
mkdir -p "$work/root" "$work/nginx"
chmod 755 "$work" "$work/root"
head -c 16384 /dev/urandom >"$work/root/f16k.bin"
chmod 644 "$work/root/f16k.bin"
lua="$PWD/tools/bench/http_pipeline.lua"
server=""
cleanup() {
  [[ -z $server ]] || kill -KILL "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=tools/bench/lib.sh
source tools/bench/lib.sh

# The command line of server $1 for workload $2 on port $3.
server_cmd() {
  case "$1" in
    ours)
      if [[ $2 == hello ]]; then
        echo "$work/hello_server --port=$3 --threads=0"
      else
        echo "$work/file_server --root=$work/root --port=$3 --threads=0"
      fi
      ;;
    raw) echo "$work/raw_floor_server --mode=http --port=$3" ;;
    nginx)
      # One process serving (no master), so strace and callgrind see it all.
      sed -e "s|@PORT@|$3|; s|@ROOT@|$work/root|; s|@DIR@|$work/nginx|g" \
        -e 's|^daemon off;|daemon off;\nmaster_process off;|' \
        tools/bench/nginx_http.conf.in >"$work/nginx/nginx.conf"
      echo "nginx -p $work/nginx -c $work/nginx/nginx.conf -e $work/nginx/error.log"
      ;;
  esac
}

# wrk for $1 seconds at port $2, path $3, depth $4; prints the requests done.
load() {
  local script=()
  [[ $4 == 1 ]] || script=(-s "$lua")
  taskset -c 1 wrk -t1 -c50 -d"$1s" "${script[@]}" "http://127.0.0.1:$2$3" -- "$4" |
    awk '/requests in/ {print $1}'
}

# measure SERVER WORKLOAD DEPTH MEASURE
measure() {
  local port path cmd requests
  port=$(bench_free_port)
  path=/hello
  [[ $2 == hello ]] || path=/f16k.bin
  cmd=$(server_cmd "$1" "$2" "$port")
  if [[ $4 == instructions ]]; then
    # shellcheck disable=SC2086
    taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$work/cg.out.%p" $cmd \
      >"$work/server.log" 2>&1 &
  else
    # shellcheck disable=SC2086
    taskset -c 0 $cmd >"$work/server.log" 2>&1 &
  fi
  server=$!
  # valgrind takes a few seconds to start a server: up to 30 s.
  bench_wait_port "$port" 2>/dev/null || bench_wait_port "$port" 2>/dev/null || bench_wait_port "$port"
  load 1 "$port" "$path" "$3" >/dev/null
  if [[ $4 == instructions ]]; then
    rm -f "$work"/cg.out.*
    callgrind_control -z "$server" >/dev/null 2>&1
    requests=$(load "$secs" "$port" "$path" "$3")
    callgrind_control -d "$server" >/dev/null 2>&1
    local ir
    ir=$(cat "$work"/cg.out.* 2>/dev/null | awk '/^totals:/ { s += $2 } END { print s + 0 }')
    awk -v s="$1" -v w="$2" -v d="$3" -v n="$requests" -v ir="$ir" 'BEGIN {
      printf "PERREQ server=%s workload=%s depth=%s requests=%d instructions=%.0f\n",
        s, w, d, n, (n > 0 ? ir / n : 0) }'
  else
    strace -c -f -p "$server" -o "$work/strace.txt" 2>/dev/null &
    local tracer=$!
    sleep 0.5  # attached (to every thread) before the load starts
    requests=$(load "$secs" "$port" "$path" "$3")
    kill -INT "$tracer"
    wait "$tracer" 2>/dev/null || true
    # Rows: % time, seconds, usecs/call, calls, [errors,] syscall.
    awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { print $NF, $4 }' "$work/strace.txt" |
      sort -k2,2nr |
      awk -v s="$1" -v w="$2" -v d="$3" -v n="$requests" '
        { total += $2; if (NR <= 4) top = top (top ? "," : "") sprintf("%s:%.2f", $1, $2 / n) }
        END { printf "PERREQ server=%s workload=%s depth=%s requests=%d syscalls=%.2f top=%s\n",
                s, w, d, n, (n > 0 ? total / n : 0), top }'
  fi
  kill -KILL "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}

IFS=, read -ra wl <<<"$workloads"
IFS=, read -ra dl <<<"$depths"
IFS=, read -ra sl <<<"$servers"
IFS=, read -ra ml <<<"$measures"
for w in "${wl[@]}"; do
  for d in "${dl[@]}"; do
    for s in "${sl[@]}"; do
      [[ $s == raw && $w != hello ]] && continue  # the raw floor answers hello only
      for m in "${ml[@]}"; do measure "$s" "$w" "$d" "$m"; done
    done
  done
done
