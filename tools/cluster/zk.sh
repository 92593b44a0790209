#!/usr/bin/env bash
# Runs a standalone ZooKeeper (Debian's zookeeperd) in the foreground on a
# loopback port with a temporary data directory, prints its connect string,
# and stops it (and removes the directory) when this script exits: Ctrl-C,
# SIGTERM, or the end of a wrapped command.
#
#   tools/cluster/zk.sh                  # a free port; Ctrl-C to stop
#   tools/cluster/zk.sh --port=2181
#   tools/cluster/zk.sh -- CMD ARGS...   # runs CMD with ZK=127.0.0.1:PORT
#                                        # in its environment, then stops
#
# Never touches the system service (/etc/zookeeper, port 2181 unless asked).
# The same settings as the tests' fixture, rpc/naming/testing/ZooKeeperServer.
set -euo pipefail

port=0
tick_ms=500
while (($#)); do
  case "$1" in
    --port=*) port="${1#--port=}" ;;
    --tick_ms=*) tick_ms="${1#--tick_ms=}" ;;
    --) shift; break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "zk.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

for f in /usr/bin/java /usr/share/java/zookeeper.jar; do
  [[ -e "$f" ]] || { echo "zk.sh: $f missing (apt-get install zookeeperd)" >&2; exit 1; }
done

if [[ "$port" == 0 ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/zk.XXXXXX")
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$dir/data"
cat >"$dir/zoo.cfg" <<CFG
tickTime=$tick_ms
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
maxSessionTimeout=$((tick_ms * 120))
maxClientCnxns=0
4lw.commands.whitelist=srvr,ruok,cons,stat,mntr
admin.enableServer=false
forceSync=no
CFG

# Flags: see ZooKeeperServer.cc (fast start, small heap).
/usr/bin/java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms32m -Xmx256m \
  -XX:-UsePerfData -Djava.net.preferIPv4Stack=true -Dzookeeper.preAllocSize=1024 \
  -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
  org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" >"$dir/zookeeper.out" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "zk.sh: ZooKeeper exited while starting:" >&2
    tail -20 "$dir/zookeeper.out" >&2
    exit 1
  fi
  if answer=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf srvr >&3 && timeout 2 cat <&3) 2>/dev/null) &&
    [[ "$answer" == *"Mode: standalone"* ]]; then
    ready=1
    break
  fi
  sleep 0.05
done
[[ -n "$ready" ]] || { echo "zk.sh: ZooKeeper did not answer on port $port" >&2; exit 1; }

echo "127.0.0.1:$port"
if (($#)); then
  ZK="127.0.0.1:$port" "$@"
else
  echo "zk.sh: ZooKeeper pid $pid, data in $dir; Ctrl-C to stop" >&2
  wait "$pid"
fi
