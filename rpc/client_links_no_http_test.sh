#!/usr/bin/env bash
# The client half links no HTTP, no flags and no JSON (DESIGN.md, "Targets").
#
#   GENERATED_DEPS  genquery deps(//rpc/compiler/testdata:test_rpc): a
#                   generated library, both halves
#   CLIENT_DEPS     genquery deps(//rpc:client)
#   PROBE           a binary using a generated stub and nothing else
#
# Fails when either query names HTTP, the gateway or abseil's flags, or when
# the probe holds or needs a symbol of muduo's HTTP, abseil's flags or
# protobuf's JSON util (which lives inside libprotobuf, so only the symbols
# can tell).
#
# Usage: client_links_no_http_test.sh GENERATED_DEPS CLIENT_DEPS PROBE
set -euo pipefail

generated=$1
client=$2
probe=$3
status=0

fail() {
  echo "FAIL: $*"
  status=1
}

# Sanity: the inputs hold what we think, or a search for absence proves nothing.
grep -qx '//rpc:client' "${generated}" || fail "//rpc:client missing from ${generated}"
grep -qx '//rpc:codec' "${client}" || fail "//rpc:codec missing from ${client}"
symbols=$(nm -C "${probe}")
grep -q 'muduo::rpc::RpcChannel::' <<<"${symbols}" || fail "the probe has no RpcChannel symbols"

for pattern in '^//muduo/net/http' '^//rpc/gateway' '^//third_party/absl:flags' \
  '^@com_google_absl//:flags'; do
  for deps in "${generated}" "${client}"; do
    if grep -E "${pattern}" "${deps}"; then
      fail "$(basename "${deps}") reaches ${pattern}"
    fi
  done
done

for pattern in 'muduo::net::Http' 'google::protobuf::util::' 'absl::[a-z_:]*flags_internal' \
  'absl::[a-z_:]*CommandLineFlag' 'absl::[a-z_:]*GetAllFlags'; do
  if grep -E "${pattern}" <<<"${symbols}" | head -5; then
    fail "the client probe links ${pattern}"
  fi
done

((status == 0)) && echo PASS
exit "${status}"
