# Shared by tools/kv_bench's scripts (wait_port reads $port when called).

# wait_port [tries]: until a server answers PING on $port, 50 ms apart
# (callgrind'd servers start slowly: callgrind.sh waits longer).
wait_port() {
  for _ in $(seq "${1:-400}"); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "nothing answers on port $port" >&2
  return 1
}

# ensure_kv_server: builds kv_server with --config=opt unless $KV_SERVER
# already names a binary, and sets KV_SERVER.
ensure_kv_server() {
  if [[ -z "${KV_SERVER:-}" ]]; then
    tools/bazel build --config=opt //services/kv:kv_server >&2
    KV_SERVER=bazel-bin/services/kv/kv_server
  fi
}
