# Shared by tools/kv_bench's scripts; source it after setting $port.

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
