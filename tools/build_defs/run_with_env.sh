#!/usr/bin/env bash
# The runner of muduo_test_variant (cc.bzl): runs a test binary with extra
# environment, so one build of a test serves every setting it is run under.
#   run_with_env.sh BINARY [NAME=VALUE]... -- [ARG]...
# BINARY is relative to the runfiles directory, where Bazel starts a test.
# exec keeps the test's process the one Bazel waits on and signals, and the
# binary inherits XML_OUTPUT_FILE, so gtest writes the variant's own
# test.xml.
set -euo pipefail
binary=$1
shift
vars=()
while (($# > 0)) && [[ $1 != -- ]]; do
  vars+=("$1")
  shift
done
if (($# == 0)); then
  echo "run_with_env.sh: no -- after the environment" >&2
  exit 2
fi
shift
exec env "${vars[@]}" "./${binary}" "$@"
