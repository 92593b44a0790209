# shellcheck shell=bash disable=SC2034
# Shared by the tools/bench/*.sh benchmark scripts (sourced, not run).
# Servers run on core 0 and load on core 1; a measurement samples the
# server's CPU (utime + stime of every thread, /proc/<pid>/stat) over a window
# inside the client's measured time, so connecting, warm-up and drain are left
# out of the CPU per request on both sides alike.

bench_hz=$(getconf CLK_TCK)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bench_now() { date +%s.%N; }

bench_cpu_ticks() {  # pid: utime + stime (fields 14, 15; comm has no spaces here)
  awk '{print $14 + $15}' "/proc/$1/stat"
}

bench_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# BENCH_URING picks our servers' poller: unset for epoll, 1 for the io_uring
# readiness poller, io for completion-based I/O (MUDUO_USE_URING's values).
# Only servers get it (peers ignore the variable); clients and the raw floor
# always run as they would without it.
bench_server_env=(-u MUDUO_USE_URING)
if [[ -n ${BENCH_URING:-} ]]; then bench_server_env=(MUDUO_USE_URING="$BENCH_URING"); fi
unset MUDUO_USE_URING

# bench_start LOG cmd...: starts a server pinned to core 0; sets bench_pid.
bench_start() {
  local log=$1
  shift
  env "${bench_server_env[@]}" taskset -c 0 "$@" >"$log" 2>&1 &
  bench_pid=$!
}

# bench_wait_listening LOG: waits for "listening on HOST:PORT"; sets bench_port.
bench_wait_listening() {

  for _ in $(seq 200); do
    bench_port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" | head -1)
    [[ -n $bench_port ]] && return 0
    sleep 0.05
  done
  echo "no 'listening on' in $1:" >&2
  cat "$1" >&2
  return 1
}

# bench_wait_port PORT: waits until something listens on 127.0.0.1:PORT.
bench_wait_port() {

  for _ in $(seq 200); do
    [[ -n $(ss -Hltn "sport = :$1") ]] && return 0
    sleep 0.05
  done
  echo "nothing listens on port $1" >&2
  return 1
}

bench_stop() {  # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# bench_measure SERVER_PID LEAD WINDOW cmd...: runs the client pinned to core 1
# and samples the server's CPU from LEAD to LEAD + WINDOW seconds after the
# client starts. Sets bench_out (the client's stdout and stderr) and
# bench_cpu_rate (server CPU seconds per wall second in the window).
bench_measure() {
  local pid=$1 lead=$2 window=$3 out t0 t1 c0 c1 client
  shift 3
  out=$(mktemp)
  taskset -c 1 "$@" >"$out" 2>&1 &
  client=$!
  sleep "$lead"
  c0=$(bench_cpu_ticks "$pid")
  t0=$(bench_now)
  sleep "$window"
  c1=$(bench_cpu_ticks "$pid")
  t1=$(bench_now)
  if ! wait "$client"; then
    echo "client failed: $*" >&2
    cat "$out" >&2
    rm -f "$out"
    return 1
  fi
  bench_out=$(cat "$out")
  rm -f "$out"
  bench_cpu_rate=$(awk -v c=$((c1 - c0)) -v hz="$bench_hz" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%.4f", c / hz / (t1 - t0) }')
}

# bench_measure_whole SERVER_PID cmd...: like bench_measure, for a client
# that counts every call it makes (no unmeasured warm-up): samples the
# server's CPU over the client's whole run. Sets bench_out and
# bench_cpu_seconds.
bench_measure_whole() {
  local pid=$1 c0 c1
  shift
  c0=$(bench_cpu_ticks "$pid")
  if ! bench_out=$(taskset -c 1 "$@" 2>&1); then
    echo "client failed: $*" >&2
    echo "$bench_out" >&2
    return 1
  fi
  c1=$(bench_cpu_ticks "$pid")
  bench_cpu_seconds=$(awk -v c=$((c1 - c0)) -v hz="$bench_hz" 'BEGIN { printf "%.4f", c / hz }')
}

# bench_window SECONDS [EXTRA_LEAD]: sets bench_lead and bench_span, the CPU
# window inside a client run of SECONDS measured seconds that begins after
# EXTRA_LEAD seconds of connecting or warm-up.
bench_window() {
  read -r bench_lead bench_span < <(awk -v s="$1" -v x="${2:-0}" \
    'BEGIN { printf "%.2f %.2f\n", x + 0.2 + 0.1 * s, 0.7 * s }')
}

# bench_cpu_us RATE RPS: server CPU microseconds per request.
bench_cpu_us() {
  awk -v r="$1" -v n="$2" 'BEGIN { printf "%.2f", (n > 0 ? r * 1e6 / n : 0) }'
}

# bench_field REGEX TEXT: the first capture group of the last line matching.
bench_field() {
  sed -En "s#.*$1.*#\\1#p" <<<"$2" | tail -1
}

# bench_pingpong_bytes SIDE SECONDS OUTPUT: the bytes a pingpong client
# (ours, muduo's or the raw floor's) read in a run of SECONDS, from what it
# printed: ours prints its run's length and MiB/s, muduo's the total, the raw
# floor's MiB/s over SECONDS.
bench_pingpong_bytes() {
  case "$1" in
    ours) sed -nE 's/.* ([0-9.]+) s: ([0-9.]+) MiB\/s.*/\1 \2/p' <<<"$3" |
      awk '{ printf "%.0f", $1 * $2 * 1048576 }' ;;
    muduo) awk '/total bytes read/ { for (i = 1; i <= NF; i++) if ($(i+1) == "total") print $i }' <<<"$3" ;;
    raw) sed -nE 's/.* ([0-9.]+) MiB\/s.*/\1/p' <<<"$3" |
      awk -v s="$2" '{ printf "%.0f", s * $1 * 1048576 }' ;;
  esac
}

bench_result() {  # workload peer round ours_rps peer_rps ours_cpu_us peer_cpu_us
  echo "RESULT workload=$1 peer=$2 round=$3 ours_rps=$4 peer_rps=$5 ours_cpu_us=$6 peer_cpu_us=$7"
}

# bench_poller_bins: sets pp and rb, the directories of pingpong_server/_client
# and rpc_bench_server/rpc_bench: $BIN when set, else this tree's opt build.
bench_poller_bins() {
  if [[ -z "${BIN:-}" ]]; then
    tools/bazel build --config=opt //tools/pingpong:pingpong_server //tools/pingpong:pingpong_client \
      //tools/rpc_bench:rpc_bench_server //tools/rpc_bench:rpc_bench >&2
    pp=bazel-bin/tools/pingpong
    rb=bazel-bin/tools/rpc_bench
  else
    pp=${BIN}
    rb=${BIN}
  fi
}
