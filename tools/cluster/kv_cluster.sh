#!/usr/bin/env bash
# Starts a sharded KV cluster on this machine: a ZooKeeper (zk.sh) and N
# kv_servers in cluster mode registered under /kv/<name>, splits the 16384
# slots evenly over them (kv_admin init), prints how to connect, and stops
# everything when it exits (Ctrl-C, SIGTERM, or the end of a wrapped
# command).
#
#   tools/cluster/kv_cluster.sh                   # 3 nodes; Ctrl-C to stop
#   tools/cluster/kv_cluster.sh --nodes=5 --sync=everysec
#   tools/cluster/kv_cluster.sh -- CMD ARGS...    # runs CMD with ZK, KV_ZK,
#                                                 # KV_SEED, KV_NODES set
#
# Builds kv_server, kv_client and kv_admin first (--config=opt; set
# KV_BAZEL_FLAGS to change that, or KV_BIN to the directory of kv_server and
# kv_client, and KV_ADMIN to kv_admin's path, to skip the build).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nodes=3
name=demo
sync=always

if [[ "${1:-}" != "--inside-zk" ]]; then
  args=()
  while (($#)); do
    case "$1" in
      --nodes=*) nodes="${1#--nodes=}" ;;
      --name=*) name="${1#--name=}" ;;
      --sync=*) sync="${1#--sync=}" ;;
      --) break ;;
      -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
      *) echo "kv_cluster.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
  done
  if [[ -z "${KV_BIN:-}" ]]; then
    (cd "$root" && tools/bazel build ${KV_BAZEL_FLAGS:---config=opt} \
      //services/kv:kv_server //services/kv:kv_client //services/kv/cluster:kv_admin >&2)
    KV_BIN="$root/bazel-bin/services/kv"
    KV_ADMIN="$root/bazel-bin/services/kv/cluster/kv_admin"
  else
    KV_ADMIN="${KV_ADMIN:-$KV_BIN/kv_admin}"
  fi
  export KV_BIN KV_ADMIN
  exec "$here/zk.sh" -- "$0" --inside-zk "$nodes" "$name" "$sync" "$@"
fi

# Inside zk.sh: ZK is set.
shift
nodes=$1 name=$2 sync=$3
shift 3
[[ "${1:-}" == "--" ]] && shift

dir=$(mktemp -d "${TMPDIR:-/tmp}/kv_cluster.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

KV_ZK="$ZK/kv/$name"
seeds=()
for i in $(seq 1 "$nodes"); do
  resp=$(free_port)
  "$KV_BIN/kv_server" --port=0 --resp_port="$resp" --data_dir="$dir/n$i" --sync="$sync" \
    --cluster_node_id="n$i" --cluster_zk="$KV_ZK" --port_file="$dir/n$i.ports" \
    --log_level=warn >"$dir/n$i.out" 2>"$dir/n$i.err" &
  pids+=($!)
done
for i in $(seq 1 "$nodes"); do
  for _ in $(seq 1 200); do [[ -s "$dir/n$i.ports" ]] && break; sleep 0.05; done
  [[ -s "$dir/n$i.ports" ]] || { echo "kv_cluster.sh: n$i did not start:" >&2; cat "$dir/n$i.err" >&2; exit 1; }
  seeds+=("127.0.0.1:$(sed -n 's/^rpc_port=//p' "$dir/n$i.ports")")
done

# Every node registers right after it serves; wait until all have, then
# split the slots over them.
for _ in $(seq 1 100); do
  registered=$("$KV_ADMIN" --zk="$KV_ZK" nodes 2>/dev/null | wc -l || true)
  [[ "$registered" == "$nodes" ]] && break
  sleep 0.1
done
[[ "$registered" == "$nodes" ]] || { echo "kv_cluster.sh: only $registered of $nodes nodes registered" >&2; exit 1; }
map=$("$KV_ADMIN" --zk="$KV_ZK" init)

KV_SEED=${seeds[0]}
KV_NODES=$(IFS=,; echo "${seeds[*]}")
export ZK KV_ZK KV_SEED KV_NODES
cat >&2 <<TXT
kv_cluster.sh: $nodes kv_servers (--sync=$sync), ZooKeeper $ZK, slot map at /kv/$name/slots:
$map
Connect:
  $KV_BIN/kv_client --cluster=$KV_NODES put k v
  redis-cli -c -p $(awk '/^node n1 /{split($4,a,":"); print a[2]}' <<<"$map")
  $KV_ADMIN --zk=$KV_ZK show
  $KV_ADMIN --zk=$KV_ZK move 0-99 n2
  curl http://$KV_SEED/status
Data and logs in $dir (removed on exit).
TXT
if (($#)); then
  "$@"
else
  echo "kv_cluster.sh: Ctrl-C to stop" >&2
  wait "${pids[0]}"
fi
