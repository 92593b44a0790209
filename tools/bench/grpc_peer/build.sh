#!/usr/bin/env bash
# Builds the gRPC echo peer (grpc_echo_server, grpc_echo_client) into OUT_DIR
# with g++ and pkg-config, outside Bazel: gRPC is not a dependency of the
# project. Needs Debian's libgrpc++-dev and protobuf-compiler-grpc.
#   tools/bench/grpc_peer/build.sh OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build.sh OUT_DIR}"
mkdir -p "$out"
plugin=$(command -v grpc_cpp_plugin) || {
  echo "grpc_peer/build.sh: apt-get install libgrpc++-dev protobuf-compiler-grpc" >&2
  exit 1
}
pkg-config --exists grpc++ protobuf || {
  echo "grpc_peer/build.sh: apt-get install libgrpc++-dev" >&2
  exit 1
}
protoc -I"$here" --cpp_out="$out" --grpc_out="$out" --plugin=protoc-gen-grpc="$plugin" \
  "$here/echo.proto"
flags=(-O2 -DNDEBUG -std=c++17 -I"$out")
libs=$(pkg-config --cflags --libs grpc++ protobuf)
for prog in server client; do
  # shellcheck disable=SC2086
  g++ "${flags[@]}" -o "$out/grpc_echo_$prog" "$here/$prog.cc" "$out/echo.pb.cc" \
    "$out/echo.grpc.pb.cc" $libs -lpthread &
done
wait %1 && wait %2
echo "grpc peer built in $out (gRPC $(pkg-config --modversion grpc++))" >&2
