#!/usr/bin/env bash
# Builds the muduo peer for tools/bench/side_by_side.sh from the locally
# fetched snapshot of chenshuo/muduo, outside this repository. Downloads
# nothing: the snapshot must already be on disk (the search tool's fetch of
# chenshuo/muduo puts it at /work/.mirror/chenshuo+muduo/repo).
#
#   tools/bench/build_peers.sh [--peers_dir=/work/peers] [--muduo_git=DIR] [--jobs=2]
#
# Leaves in $peers_dir/muduo-build/bin:
#   pingpong_server, pingpong_client               (examples/pingpong)
#   protobuf_rpc_echo_server, protobuf_rpc_echo_client (examples/protobuf/rpcbench)
# and $peers_dir/muduo-build/COMMIT, the muduo commit they were built from.
#
# Local changes to the muduo checkout (in $peers_dir only, never committed
# here), applied afresh on every run:
#   - examples/protobuf/rpcbench/client.cc: the call count per client
#     (MUDUO_RPCBENCH_REQUESTS, default 50000 as upstream) and the server port
#     (MUDUO_RPCBENCH_PORT, default 8888 as upstream) come from the
#     environment, so a round lasts about as long as ours and several servers
#     can run side by side. The measured code path is unchanged.
#   - -Werror is dropped, so that a newer compiler's new warnings cannot stop
#     the peer's build (gcc 12.2 with protobuf 3.21 gave none for these
#     targets; this is insurance, not a fix).
# Debian packages it needs: cmake g++ libboost-dev protobuf-compiler
# libprotobuf-dev zlib1g-dev.
set -euo pipefail

peers_dir=/work/peers
muduo_git=/work/.mirror/chenshuo+muduo/repo
jobs=2
for arg in "$@"; do
  case "$arg" in
    --peers_dir=*) peers_dir="${arg#*=}" ;;
    --muduo_git=*) muduo_git="${arg#*=}" ;;
    --jobs=*) jobs="${arg#*=}" ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "build_peers.sh: unknown flag $arg" >&2; exit 2 ;;
  esac
done

if ! git --git-dir="$muduo_git" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  echo "build_peers.sh: no muduo snapshot at $muduo_git;" \
    "run the search tool's fetch of chenshuo/muduo first (or pass --muduo_git=)" >&2
  exit 1
fi
for p in cmake g++ protoc; do
  command -v "$p" >/dev/null || {
    echo "build_peers.sh: $p missing; apt-get install cmake g++ libboost-dev" \
      "protobuf-compiler libprotobuf-dev zlib1g-dev" >&2
    exit 1
  }
done
[[ -e /usr/include/boost/version.hpp ]] || { echo "build_peers.sh: apt-get install libboost-dev" >&2; exit 1; }

src="$peers_dir/muduo-src"
build="$peers_dir/muduo-build"
commit=$(git --git-dir="$muduo_git" rev-parse HEAD)
mkdir -p "$peers_dir"
if [[ ! -d "$src/.git" ]]; then
  git clone -q "$muduo_git" "$src"
fi
git -C "$src" fetch -q "$muduo_git" HEAD
git -C "$src" checkout -q --force "$commit"
git -C "$src" reset -q --hard "$commit"

client="$src/examples/protobuf/rpcbench/client.cc"
sed -i \
  -e 's|^static const int kRequests = 50000;|static const int kRequests = getenv("MUDUO_RPCBENCH_REQUESTS") ? atoi(getenv("MUDUO_RPCBENCH_REQUESTS")) : 50000;|' \
  -e 's|InetAddress serverAddr(argv\[1\], 8888);|InetAddress serverAddr(argv[1], static_cast<uint16_t>(getenv("MUDUO_RPCBENCH_PORT") ? atoi(getenv("MUDUO_RPCBENCH_PORT")) : 8888));|' \
  -e 's|^#include <stdio.h>|#include <stdio.h>\n#include <stdlib.h>|' "$client"
if ! grep -q MUDUO_RPCBENCH_REQUESTS "$client" || ! grep -q MUDUO_RPCBENCH_PORT "$client"; then
  echo "build_peers.sh: could not patch $client (upstream changed?)" >&2
  exit 1
fi
sed -i 's/^ *-Werror$//' "$src/CMakeLists.txt"

mkdir -p "$build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=release -DMUDUO_BUILD_EXAMPLES=ON >"$build/cmake.log" 2>&1 ||
  { tail -20 "$build/cmake.log" >&2; exit 1; }
targets=(pingpong_server pingpong_client protobuf_rpc_echo_server protobuf_rpc_echo_client)
make -C "$build" -j"$jobs" "${targets[@]}" >"$build/make.log" 2>&1 ||
  { grep -m20 -B2 -A5 'error' "$build/make.log" >&2; exit 1; }
echo "$commit" >"$build/COMMIT"
echo "muduo $commit built in $build/bin: ${targets[*]}"
