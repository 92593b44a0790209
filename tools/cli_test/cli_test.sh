#!/usr/bin/env bash
# Every binary explains itself and refuses a bad command line the same way.
# Arguments: groups of "BINARY FLAG..." separated by "--". For each binary:
#   --help         exit 0, stdout starts "Usage: <name>", names each FLAG
#                  (with its default, "--flag=") and has an example;
#   --no_such_flag exit 2, one line on stderr naming the flag;
#   servers (those listing --port): --port=70000 and --port=abc exit 2 with
#   one line, and --log_dir under a plain file exits 2 with the reason;
#   clients (those listing --server): an unknown host or a value that is not
#   host:port exits 2 with one line.
# And echo_client pointed at a closed port fails at once, saying so; and
# echo_server with --log_dir still prints its listening line.
set -uo pipefail

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_usage_error NAME ARGS...: exit 2 and exactly one line on stderr.
expect_usage_error() {
  local name=$1
  shift
  local err rc
  err=$("$@" 2>&1 >/dev/null </dev/null)
  rc=$?
  [[ ${rc} == 2 ]] || fail "${name} ${*:2}: exit ${rc}, want 2 (stderr: ${err})"
  [[ $(printf '%s\n' "${err}" | wc -l) == 1 ]] || fail "${name} ${*:2}: want one line, got: ${err}"
  [[ ${err} == "${name}: "* ]] || fail "${name} ${*:2}: line should start '${name}: ': ${err}"
}

check_binary() {
  local bin=$1
  shift
  local name
  name=$(basename "${bin}")
  local out rc
  out=$("${bin}" --help 2>/dev/null </dev/null)
  rc=$?
  [[ ${rc} == 0 ]] || fail "${name} --help: exit ${rc}, want 0"
  [[ ${out} == "Usage: ${name}"* ]] || fail "${name} --help: no usage line: ${out:0:200}"
  grep -q '^Example' <<<"${out}" || fail "${name} --help: no example"
  local flag
  for flag in "$@"; do
    grep -q -- "^  --${flag}=" <<<"${out}" || fail "${name} --help: does not list --${flag}"
  done
  expect_usage_error "${name}" "${bin}" --no_such_flag=1
  if [[ " $* " == *" port "* && " $* " == *" log_dir "* ]]; then
    expect_usage_error "${name}" "${bin}" --port=70000
    expect_usage_error "${name}" "${bin}" --port=abc
    expect_usage_error "${name}" "${bin}" --threads=-1
    expect_usage_error "${name}" "${bin}" --log_level=loud
    touch "${TEST_TMPDIR}/plain_file"
    local err
    err=$("${bin}" --port=0 --log_dir="${TEST_TMPDIR}/plain_file/logs" 2>&1 >/dev/null </dev/null)
    rc=$?
    [[ ${rc} == 2 && ${err} == *"cannot create --log_dir"*"Not a directory"* ]] ||
      fail "${name} with an unusable --log_dir: exit ${rc}, stderr: ${err}"
  fi
  if [[ " $* " == *" server "* ]]; then
    expect_usage_error "${name}" "${bin}" --server=nosuchhost.invalid:9090
    expect_usage_error "${name}" "${bin}" --server=localhost
  fi
  echo "ok: ${name}"
}

# A client whose server is not running says so at once (fail fast).
check_refused() {
  local bin=$1
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local err start=${SECONDS}
  err=$(timeout 20 "${bin}" --server="127.0.0.1:${port}" --timeout=15 hello 2>&1 >/dev/null)
  [[ ${err} == *"UNAVAILABLE: connect to 127.0.0.1:${port}: Connection refused"* ]] ||
    fail "$(basename "${bin}") to a closed port: ${err}"
  ((SECONDS - start < 10)) || fail "$(basename "${bin}") to a closed port took $((SECONDS - start)) s"
}

group=()
for arg in "$@" --; do
  if [[ ${arg} == -- ]]; then
    ((${#group[@]} > 0)) && check_binary "${group[@]}"
    group=()
  else
    group+=("${arg}")
  fi
done

# With --log_dir the log goes to files, and the terminal still hears where
# the server listens.
check_logs_to_files() {
  local bin=$1
  local dir="${TEST_TMPDIR}/logs_to_files"
  "${bin}" --port=0 --log_dir="${dir}" >"${TEST_TMPDIR}/serving.out" 2>&1 &
  local pid=$!
  local i
  for ((i = 0; i < 200; ++i)); do
    grep -q 'listening on 127.0.0.1:' "${TEST_TMPDIR}/serving.out" && break
    sleep 0.05
  done
  kill -TERM "${pid}"
  wait "${pid}"
  grep -q "^echo_server listening on 127.0.0.1:[0-9]*$" "${TEST_TMPDIR}/serving.out" ||
    fail "echo_server --log_dir: no listening line on the terminal: $(cat "${TEST_TMPDIR}/serving.out")"
  grep -q "listening on" "${dir}"/echo_server.*.log ||
    fail "echo_server --log_dir: the log file has no listening line"
}

for arg in "$@"; do
  [[ ${arg} == */echo_client ]] && check_refused "${arg}"
  [[ ${arg} == */echo_server ]] && check_logs_to_files "${arg}"
done

if ((failures > 0)); then
  echo "${failures} failure(s)" >&2
  exit 1
fi
