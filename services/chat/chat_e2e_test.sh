#!/usr/bin/env bash
# End to end through the real binaries: chat_server on a free port, a
# listening chat_client fed through a fifo, a second one fed by a pipe, a
# refused name, the load mode, then SIGTERM with a member still connected:
# that member is told and exits, and the server exits cleanly.
set -euo pipefail

server_bin=$1
client_bin=$2
tmp="${TEST_TMPDIR}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "${pid}" 2>/dev/null || true; done; }
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  for f in "${tmp}"/*.out; do echo "--- ${f}"; cat "${f}"; done
  exit 1
}

# Waits up to 10 s for a line matching $2 in file $1.
wait_for() {
  for _ in $(seq 200); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "no '$2' in $1"
}

"${server_bin}" --port=0 --log_dir="${tmp}/logs" >"${tmp}/server.out" &
server=$!
pids+=("${server}")
wait_for "${tmp}/server.out" "listening on"
port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "${tmp}/server.out")
[[ -n "${port}" ]] || fail "server did not report its port"
client=("${client_bin}" --server="127.0.0.1:${port}" --room=lobby)

# bob listens; his stdin is a fifo this script holds open.
mkfifo "${tmp}/bob.in"
"${client[@]}" --name=bob <"${tmp}/bob.in" >"${tmp}/bob.out" 2>&1 &
bob=$!
pids+=("${bob}")
exec 7>"${tmp}/bob.in"
wait_for "${tmp}/bob.out" "^\* bob joined$"

# alice posts from a pipe and leaves at EOF, having seen her own posts.
printf 'hello\nworld\n/who\n' | timeout 20 "${client[@]}" --name=alice >"${tmp}/alice.out" 2>&1 ||
  fail "alice exited $?"
grep -q '^\[[0-9:]*\] alice: hello$' "${tmp}/alice.out" || fail "alice did not see her post"
grep -q '^\[[0-9:]*\] alice: world$' "${tmp}/alice.out" || fail "alice did not see her post"
grep -q '^\* in lobby: bob alice$' "${tmp}/alice.out" || fail "/who"

# bob saw all of it, in order, with sender and time.
wait_for "${tmp}/bob.out" "^\* alice left$"
got=$(grep -v '^\* bob joined$' "${tmp}/bob.out" | sed 's/^\[[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\] /[time] /')
want=$'* alice joined\n[time] alice: hello\n[time] alice: world\n* alice left'
[[ "${got}" == "${want}" ]] || fail "bob saw: ${got}"

# A taken name is refused.
if timeout 20 "${client[@]}" --name=bob </dev/null >"${tmp}/taken.out" 2>&1; then
  fail "a second bob was let in"
fi
grep -q "ALREADY_EXISTS" "${tmp}/taken.out" || fail "no ALREADY_EXISTS for a taken name"

# bob posts, then EOF: he leaves cleanly.
echo "bye from bob" >&7
wait_for "${tmp}/bob.out" '^\[[0-9:]*\] bob: bye from bob$'
exec 7>&-
wait "${bob}" || fail "bob exited $?"

# The load mode.
timeout 60 "${client_bin}" --server="127.0.0.1:${port}" --bench_members=20 --bench_posts=300 \
  >"${tmp}/load.out" 2>&1 || fail "load exited $?"
grep -q "chat load: 20 members, 300 posts, 6000 deliveries in" "${tmp}/load.out" || fail "load"

# SIGTERM with carol still in: her stream ends with the reason, she exits,
# and the server exits 0 without waiting out its grace period.
mkfifo "${tmp}/carol.in"
"${client[@]}" --name=carol <"${tmp}/carol.in" >"${tmp}/carol.out" 2>&1 &
carol=$!
pids+=("${carol}")
exec 8>"${tmp}/carol.in"
wait_for "${tmp}/carol.out" "^\* carol joined$"
start=${SECONDS}
kill -TERM "${server}"
wait "${server}" || fail "server exited $?"
((SECONDS - start < 4)) || fail "shutdown took $((SECONDS - start)) s"
set +e
timeout 20 tail --pid="${carol}" -f /dev/null
wait "${carol}"
carol_rc=$?
set -e
[[ ${carol_rc} -eq 1 ]] || fail "carol exited ${carol_rc}"
grep -q "^\* disconnected: UNAVAILABLE: server shutting down$" "${tmp}/carol.out" ||
  fail "carol was not told"
exec 8>&-

ls "${tmp}/logs" | grep -q '^chat_server\.' || fail "no log file written"
trap - EXIT
echo PASS
