#!/usr/bin/env bash
# Runs protoc with protoc-gen-mrpc on .proto files it must refuse, and checks
# that protoc fails with the plugin's message; a valid file beside them must
# pass, so the failures are the plugin's and not the test's set-up.
#
# Usage: plugin_errors_test.sh PROTOC PLUGIN
set -euo pipefail

protoc=$(realpath "$1")
plugin=$(realpath "$2")
dir=${TEST_TMPDIR:-$(mktemp -d)}/plugin_errors
mkdir -p "${dir}/out"
cd "${dir}"

failures=0

# expect_error NAME PATTERN: NAME.proto must fail with PATTERN in the output.
expect_error() {
  local name=$1 pattern=$2 output
  if output=$("${protoc}" --plugin=protoc-gen-mrpc="${plugin}" --mrpc_out=out -I. \
    "${name}.proto" 2>&1); then
    echo "FAIL: ${name}.proto was accepted" >&2
    failures=$((failures + 1))
  elif ! grep -qF -- "${pattern}" <<<"${output}"; then
    echo "FAIL: ${name}.proto: expected \"${pattern}\" in:" >&2
    echo "${output}" >&2
    failures=$((failures + 1))
  else
    echo "ok: ${name}.proto: ${output}"
  fi
}

cat >valid.proto <<'PROTO'
syntax = "proto3";
package t;
message M {}
service S {
  rpc Unary(M) returns (M);
  rpc ServerStream(M) returns (stream M);
}
PROTO
if ! "${protoc}" --plugin=protoc-gen-mrpc="${plugin}" --mrpc_out=out -I. valid.proto; then
  echo "FAIL: valid.proto was refused" >&2
  exit 1
fi
[[ -s out/valid.rpc.h && -s out/valid.rpc.cc ]] || { echo "FAIL: no output" >&2; exit 1; }

cat >client_streaming.proto <<'PROTO'
syntax = "proto3";
package t;
message M {}
service S {
  rpc Upload(stream M) returns (M);
}
PROTO
expect_error client_streaming \
  "t.S.Upload is client-streaming; mrpc supports unary and server-streaming methods only"

cat >bidi_streaming.proto <<'PROTO'
syntax = "proto3";
package t;
message M {}
service S {
  rpc Chat(stream M) returns (stream M);
}
PROTO
expect_error bidi_streaming \
  "t.S.Chat is bidirectional-streaming; mrpc supports unary and server-streaming methods only"

cat >method_named_stub.proto <<'PROTO'
syntax = "proto3";
package t;
message M {}
service S {
  rpc Stub(M) returns (M);
}
PROTO
expect_error method_named_stub 't.S.Stub: the generated classes already use "Stub"'

cat >async_clash.proto <<'PROTO'
syntax = "proto3";
package t;
message M {}
service S {
  rpc Get(M) returns (M);
  rpc AsyncGet(M) returns (M);
}
PROTO
expect_error async_clash "t.S.Get: its stub's AsyncGet() clashes with method t.S.AsyncGet"

cat >keyword_method.proto <<'PROTO'
syntax = "proto3";
package t;
message M {}
service S {
  rpc delete(M) returns (M);
}
PROTO
expect_error keyword_method 't.S.delete: "delete" is a C++ keyword'

cat >service_named_service.proto <<'PROTO'
syntax = "proto3";
package t;
message M {}
service Service {
  rpc Get(M) returns (M);
}
PROTO
expect_error service_named_service "mrpc cannot name a C++ class \"Service\""

cat >generic_services.proto <<'PROTO'
syntax = "proto2";
package t;
option cc_generic_services = true;
message M {}
service S {
  rpc Get(M) returns (M);
}
PROTO
expect_error generic_services "option cc_generic_services"

if ((failures > 0)); then
  echo "${failures} case(s) failed" >&2
  exit 1
fi
echo "all cases passed"
