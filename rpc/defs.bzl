"""cc_rpc_library: C++ messages, services and stubs for .proto files, in one target.

    load("//rpc:defs.bzl", "cc_rpc_library")

    cc_rpc_library(name = "calc_rpc", srcs = ["calc.proto"])

    # or, with a proto_library of your own (to share it with other languages):
    proto_library(name = "echo_proto", srcs = ["echo.proto"])
    cc_rpc_library(name = "echo_rpc", srcs = [":echo_proto"])

    # C++: #include "services/echo/echo.rpc.h"  (includes echo.pb.h)

Shaped like gRPC's cc_grpc_library. For each foo.proto in the proto_library
targets it runs protoc with the project's plugin (rpc/compiler) and compiles
foo.rpc.h / foo.rpc.cc against the cc_proto_library of the same targets and
the runtime's two halves, //rpc:client (the Stub) and //rpc:server (the
Service base). Neither links HTTP, JSON or flags; the HTTP/JSON gateway
(//rpc/gateway) is only for server binaries that attach it. Nobody calls
protoc by hand.

One generated file pair holds both halves because each service is one class
with nested Service and Stub (as gRPC's), which cannot be split over two
headers without renaming the API; a client therefore also links the small
server runtime (RpcServer, ServerCall, RpcStats: muduo/net and protobuf,
nothing more), which //rpc:client_links_no_http_test checks.
"""

load("//tools/build_defs:cc.bzl", "muduo_cc_library")

def _import_path(src, proto_source_root):
    """The name protoc knows `src` by: its path below its proto source root."""
    if proto_source_root in ("", "."):
        return src.path
    if not src.path.startswith(proto_source_root + "/"):
        fail("%s is not under its proto source root %s" % (src.path, proto_source_root))
    return src.path[len(proto_source_root) + 1:]

def _mrpc_cc_generate_impl(ctx):
    outputs = []
    sources = []
    out_root = None
    package_prefix = ctx.label.package + "/" if ctx.label.package else ""
    for target in ctx.attr.srcs:
        info = target[ProtoInfo]
        for src in info.direct_sources:
            stem = _import_path(src, info.proto_source_root)[:-len(".proto")]

            # The plugin writes <out_root>/<stem>.rpc.*, which must be where
            # Bazel expects this package's outputs: so the .proto lives in this
            # package and its proto_library moves no import prefix.
            if not stem.startswith(package_prefix):
                fail(("cc_rpc_library %s: %s.proto must be in package //%s and its " +
                      "proto_library must not set import_prefix or strip_import_prefix") %
                     (ctx.label, stem, ctx.label.package))
            relative = stem[len(package_prefix):]
            header = ctx.actions.declare_file(relative + ".rpc.h")
            source = ctx.actions.declare_file(relative + ".rpc.cc")
            outputs += [header, source]
            sources.append(src)
            root = header.path[:-len("/" + stem + ".rpc.h")]
            if out_root != None and out_root != root:
                fail("cc_rpc_library %s: outputs under two roots" % ctx.label)
            out_root = root

    if not outputs:
        fail("cc_rpc_library %s: srcs hold no .proto files" % ctx.label)

    transitive_sources = depset(transitive = [t[ProtoInfo].transitive_sources for t in ctx.attr.srcs])
    proto_paths = depset(transitive = [t[ProtoInfo].transitive_proto_path for t in ctx.attr.srcs])

    args = ctx.actions.args()
    args.add(ctx.executable._plugin.path, format = "--plugin=protoc-gen-mrpc=%s")
    args.add(out_root, format = "--mrpc_out=%s")

    # Every root a transitive import may live under: "." for this workspace,
    # _virtual_imports/... for protos with strip_import_prefix (the
    # well-known types from /usr/include, for example).
    args.add_all(proto_paths, format_each = "-I%s")
    args.add_all(sources)

    ctx.actions.run(
        executable = ctx.attr._protoc[DefaultInfo].files_to_run,
        tools = [ctx.attr._plugin[DefaultInfo].files_to_run],
        arguments = [args],
        inputs = transitive_sources,
        outputs = outputs,
        mnemonic = "MrpcGenerate",
        progress_message = "Generating MRPC C++ code for %s" % ctx.label,
    )
    return [DefaultInfo(files = depset(outputs), runfiles = ctx.runfiles(files = outputs))]

_mrpc_cc_generate = rule(
    implementation = _mrpc_cc_generate_impl,
    doc = "Runs protoc-gen-mrpc on the direct sources of proto_library targets.",
    attrs = {
        "srcs": attr.label_list(mandatory = True, providers = [ProtoInfo]),
        "_protoc": attr.label(
            default = Label("//third_party/protobuf:protoc"),
            executable = True,
            cfg = "exec",
        ),
        "_plugin": attr.label(
            default = Label("//rpc/compiler:protoc-gen-mrpc"),
            executable = True,
            cfg = "exec",
        ),
    },
)

_COMMON_ATTRS = [
    "compatible_with",
    "restricted_to",
    "tags",
    "target_compatible_with",
    "testonly",
    "visibility",
]

def cc_rpc_library(name, srcs, deps = [], proto_deps = [], **kwargs):
    """C++ code for the messages and services of proto_library targets.

    Declares `name` (a cc_library exposing foo.rpc.h), `name + "_cc_proto"`
    (the cc_proto_library for srcs, foo.pb.h) and `name + "_codegen"` (the
    generated foo.rpc.h and foo.rpc.cc).

    Args:
      name: the cc_library to depend on.
      srcs: .proto files of this package, or proto_library targets of this
        package. Files get a proto_library `name + "_proto"` made for them.
        Imports, from any package or the well-known types, are found
        through the proto_library deps (for files: `proto_deps`).
      deps: more C++ dependencies of the generated code, rarely needed.
      proto_deps: proto_library targets the .proto files in srcs import
        (e.g. "@com_google_protobuf//:timestamp_proto").
      **kwargs: passed to the cc_library; the common attributes among them
        (visibility, testonly, tags, ...) also to the other two targets.
    """
    common = {k: v for k, v in kwargs.items() if k in _COMMON_ATTRS}
    files = [s for s in srcs if s.endswith(".proto")]
    others = [s for s in srcs if not s.endswith(".proto")]
    for s in others:
        if "." in s.split(":")[-1].split("/")[-1]:
            fail(("cc_rpc_library %s: srcs takes .proto files or proto_library targets, " +
                  "not %s") % (name, s))
    if files:
        native.proto_library(
            name = name + "_proto",
            srcs = files,
            deps = proto_deps,
            **common
        )
        srcs = others + [":" + name + "_proto"]
    elif proto_deps:
        fail("cc_rpc_library %s: proto_deps is for .proto files in srcs; " % name +
             "a proto_library target carries its own deps")
    cc_proto = name + "_cc_proto"
    codegen = name + "_codegen"
    native.cc_proto_library(
        name = cc_proto,
        deps = srcs,
        **common
    )
    _mrpc_cc_generate(
        name = codegen,
        srcs = srcs,
        **common
    )

    # Like cc_grpc_library: cc_library keeps the .h of the generated files in
    # hdrs and the .cc in srcs.
    muduo_cc_library(
        name = name,
        srcs = [":" + codegen],
        hdrs = [":" + codegen],
        deps = deps + [
            ":" + cc_proto,
            Label("//rpc:client"),
            Label("//rpc:server"),
            Label("//third_party/absl:any_invocable"),
            Label("//third_party/absl:status"),
            Label("//third_party/protobuf:protobuf"),
        ],
        **kwargs
    )
