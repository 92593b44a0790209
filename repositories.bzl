"""The repositories muduo_cpp needs, registered by one macro.

In a WORKSPACE that uses this one (see examples/external/):

    local_repository(name = "muduo_cpp", path = "/path/to/muduo-cpp")
    load("@muduo_cpp//:repositories.bzl", "muduo_cpp_dependencies")
    muduo_cpp_dependencies()

Like grpc_deps(), it declares only what the caller has not: a repository of
the same name declared earlier in the WORKSPACE wins. Everything is local,
nothing is downloaded: Debian's protobuf, abseil, googletest, benchmark, liburing
and the ZooKeeper C client under /usr (tools/bazel installs the packages),
and the small stand-ins for Bazel's rule repositories kept in third_party/.
"""

def _vendored_repository_impl(rctx):
    # The directory `subdir` of this repository, as a repository of its own. A
    # repository rule, not local_repository, because local_repository's
    # relative paths are relative to the main workspace, which is not this
    # one when another workspace calls muduo_cpp_dependencies().
    # (Each stand-in has a WORKSPACE file, so no label can point into it;
    # it is found from the root of this repository.)
    directory = rctx.path(rctx.attr.root_marker).dirname
    for part in rctx.attr.subdir.split("/"):
        directory = directory.get_child(part)
    for child in directory.readdir():
        rctx.symlink(child, child.basename)

_vendored_repository = repository_rule(
    implementation = _vendored_repository_impl,
    attrs = {
        "root_marker": attr.label(mandatory = True, allow_single_file = True),
        "subdir": attr.string(mandatory = True),
    },
    local = True,
)

# Stand-ins for the rule repositories Bazel 4 would otherwise fetch.
_VENDORED = ["rules_cc", "rules_java", "remote_coverage_tools"]

# Debian's libraries, each an overlay on /usr.
_SYSTEM_LIBRARIES = {
    "com_google_protobuf": "//third_party/protobuf:protobuf.BUILD",
    "com_google_absl": "//third_party/absl:absl.BUILD",
    "com_google_googletest": "//third_party/googletest:googletest.BUILD",
    "com_github_google_benchmark": "//third_party/benchmark:benchmark.BUILD",
    "com_github_axboe_liburing": "//third_party/liburing:liburing.BUILD",
    "org_apache_zookeeper": "//third_party/zookeeper:zookeeper.BUILD",
}

def muduo_cpp_dependencies():
    """Declares every repository muduo_cpp's targets depend on."""
    existing = native.existing_rules()
    for name in _VENDORED:
        if name not in existing:
            _vendored_repository(
                name = name,
                root_marker = Label("//:WORKSPACE"),
                subdir = "third_party/" + name,
            )
    for name, build_file in _SYSTEM_LIBRARIES.items():
        if name not in existing:
            native.new_local_repository(
                name = name,
                build_file = str(Label(build_file)),
                path = "/usr",
            )
