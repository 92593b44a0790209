#!/usr/bin/env bash
# End to end through the real binaries: start echo_server on a free port,
# echo through echo_client (arguments, stdin, a stream, load mode), then stop
# the server with SIGTERM and expect a clean exit.
set -euo pipefail

server_bin=$1
client_bin=$2
out="${TEST_TMPDIR}/server.out"

"${server_bin}" --port=0 --log_dir="${TEST_TMPDIR}/logs" >"${out}" &
server=$!
trap 'kill -9 ${server} 2>/dev/null || true' EXIT

for _ in $(seq 100); do
  grep -q "listening on" "${out}" && break
  sleep 0.05
done
port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "${out}")
[[ -n "${port}" ]] || { echo "server did not report its port"; cat "${out}"; exit 1; }

got=$("${client_bin}" --server="127.0.0.1:${port}" hello world)
[[ "${got}" == $'hello\nworld' ]] || { echo "argument echo: got '${got}'"; exit 1; }

got=$(printf 'one\ntwo\n' | "${client_bin}" --server="127.0.0.1:${port}")
[[ "${got}" == $'one\ntwo' ]] || { echo "stdin echo: got '${got}'"; exit 1; }

got=$("${client_bin}" --server="127.0.0.1:${port}" --repeat=3 hi)
[[ "${got}" == $'1: hi\n2: hi\n3: hi' ]] || { echo "stream: got '${got}'"; exit 1; }

"${client_bin}" --server="127.0.0.1:${port}" --load --calls=2000 --concurrency=10 | grep -q "2000 calls (0 failed)"

kill -TERM "${server}"
wait "${server}"  # set -e: a non-zero exit fails the test
trap - EXIT
ls "${TEST_TMPDIR}/logs" | grep -q '^echo_server\.' || { echo "no log file written"; exit 1; }
echo PASS
