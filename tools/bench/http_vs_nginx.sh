#!/usr/bin/env bash
# HTTP side by side: our hello_server and file_server against nginx, in
# interleaved rounds (ours, nginx[, raw floor], ours, nginx ...), each server
# pinned to core 0 and the load generator pinned to core 1. Workloads:
#   hello      GET /hello, a 14-byte text body ("hello, world!\n")
#   static16k  GET /f16k.bin, a 16 KiB file (nginx with open_file_cache on)
#   hello_pN, static16k_pN   the same, N requests pipelined per write (HTTP/1.1
#              pipelining, RFC 9112 9.3; wrk with tools/bench/http_pipeline.lua)
# One request per round trip, the single client thread spends more CPU per
# request than either server (wrk about 8 us, servers 6.5-7.5 us), so the
# client is the limit and the throughput ratio stays near 1 whatever the
# server does. Pipelining cuts the client's cost per request (one write
# carries N requests, one read returns N responses), so the _pN rows are
# server-bound: they show what the servers themselves can do.
# The hello workloads also run the raw floor (raw_floor_server --mode=http,
# no library code; peer=raw lines), when its binary is there.
# Server CPU per request is utime+stime from /proc/<pid>/stat over the run,
# divided by the requests the client completed; the client's CPU per request
# is its own utime+stime (bash's `time`) over the same requests: when it is
# above the server's, the client is the bottleneck.
#
# Usage: tools/bench/http_vs_nginx.sh [--rounds=N] [--secs=S] [--conns=C]
#            [--workloads=hello,static16k,hello_p16,static16k_p16]
#            [--client=wrk|h2load] [--no-build | --bin=DIR]
#            [--ours-flags='...'] [--file-server-flags='...']
#   --ours-flags go to both servers; --bin takes hello_server, file_server
#   and raw_floor_server already built (tools/bench/side_by_side.sh passes
#   another tree's).
#   --client=h2load uses `h2load --h1` (apt-get install nghttp2-client): it
#   costs about 10% more CPU per request than wrk here, so wrk is the default.
#   Needs nginx-light and wrk (apt-get install -y nginx-light wrk).
# Output, one line each (machine-readable, key=value; RESULT is one line):
#   RESULT workload=W peer=nginx|raw round=I ours_rps=R peer_rps=R ours_cpu_us=U
#          peer_cpu_us=U ours_client_cpu_us=U peer_client_cpu_us=U  (one per round)
#   SUMMARY workload=W peer=P ours_rps=R peer_rps=R ours_cpu_us=U peer_cpu_us=U
#          ours_client_cpu_us=U peer_client_cpu_us=U rps_ratio=X cpu_ratio=Y rounds=N
# SUMMARY's figures are medians over the rounds; the ratios (ours / peer)
# are medians of the per-round ratios, the only figures that mean anything
# on a machine whose speed drifts.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 secs=5 conns=50 workloads="hello,static16k,hello_p16,static16k_p16" build=1 bin=""
ours_flags="" file_flags="" client=wrk
for arg in "$@"; do
  case "$arg" in
    --rounds=*) rounds="${arg#*=}" ;;
    --secs=*) secs="${arg#*=}" ;;
    --conns=*) conns="${arg#*=}" ;;
    --workloads=*) workloads="${arg#*=}" ;;
    --no-build) build=0 ;;
    --bin=*) bin="${arg#*=}" build=0 ;;
    --ours-flags=*) ours_flags="${arg#*=}" ;;
    --file-server-flags=*) file_flags="${arg#*=}" ;;
    --client=wrk | --client=h2load) client="${arg#*=}" ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
for tool in nginx "$client" taskset; do
  command -v "$tool" >/dev/null ||
    { echo "$tool is missing (apt-get install -y nginx-light wrk nghttp2-client)" >&2; exit 1; }
done

if [[ $build == 1 ]]; then
  tools/bazel build --config=opt //muduo/net/http:file_server //muduo/net/http:hello_server \
    //tools/bench/raw_floor:raw_floor_server >&2
fi
work="$(mktemp -d)"
cp "${bin:-bazel-bin/muduo/net/http}/file_server" "${bin:-bazel-bin/muduo/net/http}/hello_server" "$work/"
raw_bin="${bin:-bazel-bin/tools/bench/raw_floor}/raw_floor_server"
if [[ -x $raw_bin ]]; then cp "$raw_bin" "$work/"; else raw_bin=""; fi
pipeline_lua="$PWD/tools/bench/http_pipeline.lua"
mkdir -p "$work/root" "$work/nginx"
# nginx workers run as an unprivileged user: let them read the root.
chmod 755 "$work" "$work/root"
head -c 16384 /dev/urandom >"$work/root/f16k.bin"
chmod 644 "$work/root/f16k.bin"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {  # port
  for _ in $(seq 400); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing answers on port $1" >&2
  return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks=$(getconf CLK_TCK)

# BENCH_URING (unset, 1 or io) picks our servers' poller, as in lib.sh; the
# load generator and nginx never see it.
ours_env=(-u MUDUO_USE_URING)
if [[ -n ${BENCH_URING:-} ]]; then ours_env=(MUDUO_USE_URING="$BENCH_URING"); fi
unset MUDUO_USE_URING

hello_port=$(free_port)
env "${ours_env[@]}" taskset -c 0 "$work/hello_server" --port="$hello_port" --threads=0 $ours_flags \
  >"$work/hello.log" 2>&1 &
hello_pid=$!
pids+=("$hello_pid")
file_port=$(free_port)
env "${ours_env[@]}" taskset -c 0 "$work/file_server" --root="$work/root" --port="$file_port" --threads=0 $ours_flags $file_flags \
  >"$work/file.log" 2>&1 &
file_pid=$!
pids+=("$file_pid")
nginx_port=$(free_port)
sed -e "s|@PORT@|$nginx_port|; s|@ROOT@|$work/root|; s|@DIR@|$work/nginx|g" \
  tools/bench/nginx_http.conf.in >"$work/nginx/nginx.conf"
taskset -c 0 nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_master=$!
pids+=("$nginx_master")
raw_pid="" raw_port=""
if [[ -n $raw_bin ]]; then
  raw_port=$(free_port)
  taskset -c 0 "$work/raw_floor_server" --mode=http --port="$raw_port" >"$work/raw.log" 2>&1 &
  raw_pid=$!
  pids+=("$raw_pid")
fi
wait_port "$hello_port"
wait_port "$file_port"
[[ -z $raw_port ]] || wait_port "$raw_port"
wait_port "$nginx_port"
nginx_worker=""
for _ in $(seq 100); do
  nginx_worker=$(pgrep -P "$nginx_master" | head -1 || true)
  [[ -n $nginx_worker ]] && break
  sleep 0.05
done
[[ -n $nginx_worker ]] || { echo "no nginx worker" >&2; exit 1; }

# One load run against port $2 (server pid $1) on path $3 with $4 requests
# per write: "rps server_cpu_us client_cpu_us".
load() {  # secs port path depth
  if [[ $client == wrk ]]; then
    # Without pipelining, no script: wrk then sends a prebuilt request
    # without calling Lua per request.
    local script=()
    [[ $4 == 1 ]] || script=(-s "$pipeline_lua")
    taskset -c 1 wrk -t1 -c"$conns" -d"$1s" "${script[@]}" "http://127.0.0.1:$2$3" -- "$4"
  else
    # Bounded: h2load 1.52 with -D sometimes never stops (seen 2 runs in 20
    # against file_server): a connection the server closed at its keep-alive
    # limit just as the time ran out reconnects and keeps going for good.
    timeout $(($1 + 20)) taskset -c 1 h2load --h1 -t1 -c"$conns" -m"$4" -D"$1" \
      "http://127.0.0.1:$2$3"
  fi
}
measure() {
  local before after out reqs rps times
  before=$(cpu_ticks "$1")
  out=$({
    TIMEFORMAT='CLIENT_CPU %3U %3S'
    time load "$secs" "$2" "$3" "$4" 2>&1
  } 2>&1)
  after=$(cpu_ticks "$1")
  times=$(awk '/^CLIENT_CPU/ {print $2 + $3}' <<<"$out")
  if [[ $client == wrk ]]; then
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
      echo "wrk reported errors on port $2$3:" >&2
      echo "$out" >&2
    fi
  else
    reqs=$(awk '/^requests:/ {print $8}' <<<"$out")
    rps=$(awk '/^finished in/ {print $4}' <<<"$out")
    if ! grep -q ' 0 failed, 0 errored' <<<"$out"; then
      echo "h2load reported failures on port $2$3:" >&2
      echo "$out" >&2
    fi
  fi
  awk -v r="${rps:-0}" -v t=$((after - before)) -v hz="$ticks" -v n="${reqs:-0}" -v c="${times:-0}" \
    'BEGIN { printf "%s %.3f %.3f", r, (n > 0 ? t / hz * 1e6 / n : 0), (n > 0 ? c * 1e6 / n : 0) }'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

IFS=, read -ra wl <<<"$workloads"
for w in "${wl[@]}"; do
  depth=1
  base=$w
  if [[ $w =~ ^(.*)_p([1-9][0-9]*)$ ]]; then base=${BASH_REMATCH[1]} depth=${BASH_REMATCH[2]}; fi
  peers=(nginx)
  case "$base" in
    hello)
      ours_pid=$hello_pid ours_port=$hello_port path=/hello
      [[ -z $raw_pid ]] || peers+=(raw)
      ;;
    static16k) ours_pid=$file_pid ours_port=$file_port path=/f16k.bin ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
  # Warm every server (caches, connections' first allocations) first.
  load 1 "$ours_port" "$path" "$depth" >/dev/null
  load 1 "$nginx_port" "$path" "$depth" >/dev/null
  [[ ${#peers[@]} == 1 ]] || load 1 "$raw_port" "$path" "$depth" >/dev/null
  declare -A rows=()
  for r in $(seq "$rounds"); do
    read -r ors ocpu ocl <<<"$(measure "$ours_pid" "$ours_port" "$path" "$depth")"
    for peer in "${peers[@]}"; do
      if [[ $peer == nginx ]]; then
        read -r prs pcpu pcl <<<"$(measure "$nginx_worker" "$nginx_port" "$path" "$depth")"
      else
        read -r prs pcpu pcl <<<"$(measure "$raw_pid" "$raw_port" "$path" "$depth")"
      fi
      echo "RESULT workload=$w peer=$peer round=$r ours_rps=$ors peer_rps=$prs ours_cpu_us=$ocpu" \
        "peer_cpu_us=$pcpu ours_client_cpu_us=$ocl peer_client_cpu_us=$pcl"
      rows[$peer]+="$ors $prs $ocpu $pcpu $ocl $pcl"$'\n'
    done
  done
  for peer in "${peers[@]}"; do
    col() { awk -v c="$1" 'NF {print $c}' <<<"${rows[$peer]}" | median; }
    ratio() { awk -v a="$1" -v b="$2" 'NF && $b > 0 {printf "%.4f\n", $a / $b}' <<<"${rows[$peer]}" | median; }
    echo "SUMMARY workload=$w peer=$peer ours_rps=$(col 1) peer_rps=$(col 2) ours_cpu_us=$(col 3)" \
      "peer_cpu_us=$(col 4) ours_client_cpu_us=$(col 5) peer_client_cpu_us=$(col 6)" \
      "rps_ratio=$(ratio 1 2) cpu_ratio=$(ratio 3 4) rounds=$rounds"
  done
  unset rows
done
