#!/usr/bin/env bash
# Compares what protoc-gen-mrpc generates for testdata/test.proto, exactly as
# cc_rpc_library runs it (//rpc/compiler/testdata:test_rpc_codegen), with the
# checked-in goldens, so every change to the generated code shows in review.
#
# After an intended change to the generator, regenerate the goldens:
#   tools/bazel build //rpc/compiler/testdata:test_rpc_codegen
#   for f in test.rpc.h test.rpc.cc; do
#     cp bazel-bin/rpc/compiler/testdata/$f rpc/compiler/testdata/$f.golden
#   done
#
# Usage: golden_test.sh GENERATED... -- GOLDEN...  (paired by file name)
set -euo pipefail

generated=()
while (($#)) && [[ $1 != -- ]]; do
  generated+=("$1")
  shift
done
shift
(($# > 0)) || { echo "no goldens given" >&2; exit 1; }

status=0
for golden in "$@"; do
  name=$(basename "${golden}" .golden)
  match=""
  for file in "${generated[@]}"; do
    [[ $(basename "${file}") == "${name}" ]] && match=${file}
  done
  if [[ -z ${match} || ! -f ${match} ]]; then
    echo "FAIL: nothing generated as ${name}" >&2
    status=1
  elif ! diff -u "${golden}" "${match}"; then
    echo "FAIL: ${match} differs from ${golden} (regenerate: see $0)" >&2
    status=1
  else
    echo "ok: ${name}"
  fi
done
exit "${status}"
