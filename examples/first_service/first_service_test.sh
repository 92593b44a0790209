#!/usr/bin/env bash
# The guide's last step, run: start calc_server on a free port, call it.
set -euo pipefail
server=$1
client=$2
ports="${TEST_TMPDIR}/ports"
"${server}" --port=0 --port_file="${ports}" >"${TEST_TMPDIR}/server.out" 2>&1 &
pid=$!
trap 'kill -TERM ${pid} 2>/dev/null || true; wait ${pid} || true' EXIT
for ((i = 0; i < 200; ++i)); do
  [[ -s ${ports} ]] && break
  sleep 0.05
done
port=$(sed -n 's/^rpc_port=//p' "${ports}")
[[ -n ${port} ]] || { echo "calc_server did not start:"; cat "${TEST_TMPDIR}/server.out"; exit 1; }

sum=$("${client}" --server="127.0.0.1:${port}" add 2 3)
[[ ${sum} == 5 ]] || { echo "add 2 3 printed '${sum}'"; exit 1; }
count=$("${client}" --server="127.0.0.1:${port}" count 3 | tr '\n' ' ')
[[ ${count} == "1 2 3 " ]] || { echo "count 3 printed '${count}'"; exit 1; }
if "${client}" --server="127.0.0.1:${port}" count 0 2>"${TEST_TMPDIR}/err"; then
  echo "count 0 should fail"; exit 1
fi
grep -q "INVALID_ARGUMENT: to must be 1 to 1000" "${TEST_TMPDIR}/err"
echo PASS
