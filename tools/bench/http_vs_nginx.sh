#!/usr/bin/env bash
# HTTP side by side: our hello_server and file_server against nginx, in
# interleaved rounds (ours, nginx, ours, nginx ...), each server pinned to
# core 0 and wrk pinned to core 1. Two workloads:
#   hello      GET /hello, a 14-byte text body ("hello, world!\n")
#   static16k  GET /f16k.bin, a 16 KiB file (nginx with open_file_cache on)
# Server CPU per request is utime+stime from /proc/<pid>/stat over the run,
# divided by the requests wrk completed.
#
# Usage: tools/bench/http_vs_nginx.sh [--rounds=N] [--secs=S] [--conns=C]
#            [--workloads=hello,static16k] [--no-build | --bin=DIR]
#            [--ours-flags='...'] [--file-server-flags='...']
#   --ours-flags go to both servers; --bin takes hello_server and file_server
#   already built (tools/bench/side_by_side.sh passes another tree's).
#   Needs nginx-light and wrk (apt-get install -y nginx-light wrk).
# Output, one line each (machine-readable, key=value; RESULT is one line):
#   RESULT workload=W peer=nginx round=I ours_rps=R peer_rps=R ours_cpu_us=U
#          peer_cpu_us=U                          (one per round)
#   SUMMARY workload=W ours_rps=R peer_rps=R ours_cpu_us=U peer_cpu_us=U
#          rps_ratio=X cpu_ratio=Y rounds=N
# SUMMARY's figures are medians over the rounds; the ratios (ours / nginx)
# are medians of the per-round ratios, the only figures that mean anything
# on a machine whose speed drifts.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 secs=5 conns=50 workloads="hello,static16k" build=1 bin="" ours_flags="" file_flags=""
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
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
for tool in nginx wrk taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y nginx-light wrk)" >&2; exit 1; }
done

if [[ $build == 1 ]]; then
  tools/bazel build --config=opt //muduo/net/http:file_server //muduo/net/http:hello_server >&2
fi
work="$(mktemp -d)"
cp "${bin:-bazel-bin/muduo/net/http}/file_server" "${bin:-bazel-bin/muduo/net/http}/hello_server" "$work/"
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
wait_port "$hello_port"
wait_port "$file_port"
wait_port "$nginx_port"
nginx_worker=""
for _ in $(seq 100); do
  nginx_worker=$(pgrep -P "$nginx_master" | head -1 || true)
  [[ -n $nginx_worker ]] && break
  sleep 0.05
done
[[ -n $nginx_worker ]] || { echo "no nginx worker" >&2; exit 1; }

# One wrk run against port $2 (server pid $1) on path $3: "rps cpu_us".
measure() {
  local before after out reqs rps
  before=$(cpu_ticks "$1")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" "http://127.0.0.1:$2$3")
  after=$(cpu_ticks "$1")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
    echo "wrk reported errors on port $2$3:" >&2
    echo "$out" >&2
  fi
  awk -v r="$rps" -v t=$((after - before)) -v hz="$ticks" -v n="$reqs" \
    'BEGIN { printf "%s %.3f", r, (n > 0 ? t / hz * 1e6 / n : 0) }'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

IFS=, read -ra wl <<<"$workloads"
for w in "${wl[@]}"; do
  case "$w" in
    hello) ours_pid=$hello_pid ours_port=$hello_port path=/hello ;;
    static16k) ours_pid=$file_pid ours_port=$file_port path=/f16k.bin ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
  # Warm both (caches, connections' first allocations) before measuring.
  taskset -c 1 wrk -t1 -c"$conns" -d1s "http://127.0.0.1:$ours_port$path" >/dev/null
  taskset -c 1 wrk -t1 -c"$conns" -d1s "http://127.0.0.1:$nginx_port$path" >/dev/null
  rows=""
  for r in $(seq "$rounds"); do
    read -r ors ocpu <<<"$(measure "$ours_pid" "$ours_port" "$path")"
    read -r prs pcpu <<<"$(measure "$nginx_worker" "$nginx_port" "$path")"
    echo "RESULT workload=$w peer=nginx round=$r ours_rps=$ors peer_rps=$prs ours_cpu_us=$ocpu peer_cpu_us=$pcpu"
    rows+="$ors $prs $ocpu $pcpu"$'\n'
  done
  col() { awk -v c="$1" 'NF {print $c}' <<<"$rows" | median; }
  ratio() { awk -v a="$1" -v b="$2" 'NF && $b > 0 {printf "%.4f\n", $a / $b}' <<<"$rows" | median; }
  echo "SUMMARY workload=$w ours_rps=$(col 1) peer_rps=$(col 2) ours_cpu_us=$(col 3)" \
    "peer_cpu_us=$(col 4) rps_ratio=$(ratio 1 2) cpu_ratio=$(ratio 3 4) rounds=$rounds"
done
