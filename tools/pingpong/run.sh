#!/usr/bin/env bash
# The pingpong matrix from the issue, server pinned to core 0 and client to
# core 1, one I/O thread each. Usage: tools/pingpong/run.sh [seconds] [repeats]
# Prints one line per run; quote the median of the repeats.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
repeats=${2:-3}

tools/bazel build --config=opt //tools/pingpong:pingpong_server //tools/pingpong:pingpong_client >&2
bin=bazel-bin/tools/pingpong

# A larger fd limit for the 1,000-session runs.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

out=$(mktemp)
taskset -c 0 "${bin}/pingpong_server" --threads=1 >"${out}" &
server=$!
trap 'kill ${server} 2>/dev/null; rm -f "${out}"' EXIT
for _ in $(seq 50); do grep -q listening "${out}" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "${out}")

for spec in "16384 10" "16384 100" "16384 1000" "4096 100"; do
  read -r block sessions <<<"${spec}"
  for _ in $(seq "${repeats}"); do
    taskset -c 1 "${bin}/pingpong_client" --port="${port}" --threads=1 \
      --block_size="${block}" --sessions="${sessions}" --seconds="${seconds}"
  done
done
