#!/usr/bin/env bash
# Busy-poll's effect on a latency-bound RPC: 1 connection x 1 call in flight,
# 16-byte echo, with and without --busy_poll_us on the server (and, with
# CLIENT_BUSY=1, on the client too). Two servers run side by side on core 0
# (one busy-polls, one does not), the client on core 1 drives them in
# alternating rounds, and each round reads the server's CPU time (utime +
# stime from /proc/<pid>/stat) before and after.
#
# Usage: tools/rpc_bench/busy_poll.sh [busy_poll_us=50] [rounds=5] [seconds=3]
# Prints one line per round and per server, then the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
budget=${1:-50}
rounds=${2:-5}
seconds=${3:-3}
client_busy=0
if [[ "${CLIENT_BUSY:-0}" == 1 ]]; then client_busy=${budget}; fi

tools/bazel build --config=opt //tools/rpc_bench:rpc_bench_server //tools/rpc_bench:rpc_bench >&2
bin=bazel-bin/tools/rpc_bench
tick=$(getconf CLK_TCK)
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "${tmp}"' EXIT

start_server() {  # name busy_poll_us
  taskset -c 0 "${bin}/rpc_bench_server" --busy_poll_us="$2" >"${tmp}/$1.out" 2>"${tmp}/$1.log" &
  pids+=($!)
  echo $! >"${tmp}/$1.pid"
  for _ in $(seq 100); do grep -q listening "${tmp}/$1.out" && break; sleep 0.1; done
  sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "${tmp}/$1.out" >"${tmp}/$1.port"
}
cpu_ticks() {  # pid -> utime + stime in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}

start_server off 0
start_server on "${budget}"
echo "round server calls_per_s p50_us p99_us server_cpu_us_per_call server_cpu_share"
for round in $(seq "${rounds}"); do
  for name in off on; do
    pid=$(cat "${tmp}/${name}.pid")
    before=$(cpu_ticks "${pid}")
    t0=$(date +%s.%N)
    out=$(taskset -c 1 "${bin}/rpc_bench" --port="$(cat "${tmp}/${name}.port")" \
      --connections=1 --outstanding=1 --seconds="${seconds}" --busy_poll_us="${client_busy}")
    t1=$(date +%s.%N)
    after=$(cpu_ticks "${pid}")
    calls=$(sed -n 's/^ *\([0-9]*\) calls\/s.*/\1/p' <<<"${out}")
    p50=$(sed -n 's/.*latency p50 \([0-9.]*\) p99 \([0-9.]*\).*/\1/p' <<<"${out}")
    p99=$(sed -n 's/.*latency p50 \([0-9.]*\) p99 \([0-9.]*\).*/\2/p' <<<"${out}")
    awk -v r="${round}" -v n="${name}" -v c="${calls}" -v p50="${p50}" -v p99="${p99}" \
      -v ticks=$((after - before)) -v hz="${tick}" -v s="${seconds}" -v wall="$(echo "${t1} - ${t0}" | bc)" \
      'BEGIN { cpu = ticks / hz; printf "%d %s %d %.1f %.1f %.2f %.2f\n", r, n, c, p50, p99, cpu * 1e6 / (c * s), cpu / wall }'
  done
done | tee "${tmp}/rounds"
echo "medians (busy_poll_us=${budget} on the 'on' server, client busy_poll_us=${client_busy}):"
python3 - "${tmp}/rounds" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
by = {}
for r, name, calls, p50, p99, cpu, share in rows:
    by.setdefault(name, []).append((float(calls), float(p50), float(p99), float(cpu), float(share)))
for name in ("off", "on"):
    cols = list(zip(*by[name]))
    med = [statistics.median(c) for c in cols]
    print(f"  {name:3}: {med[0]:.0f} calls/s, p50 {med[1]:.1f} us, p99 {med[2]:.1f} us, "
          f"server CPU {med[3]:.2f} us/call, {med[4]*100:.0f}% of a core")
ratios = [float(on[2]) / float(off[2]) for off, on in zip(rows[0::2], rows[1::2])]
print(f"  per-round calls/s ratio on/off: median {statistics.median(ratios):.2f} "
      f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
PY
