"""C++ rule wrappers: the one place that holds this project's copts and test defaults.

Every BUILD file outside third_party/ uses these instead of the native rules, so
warnings, language level and test conventions cannot drift between packages.
"""

# Strict warnings for our own code only; third_party overlays use native
# rules. -Werror only where this repository's .bazelrc asks for it (see
# //tools/build_defs:werror): never on a user's code, nor on ours when a
# user's workspace builds it. It keeps its place in the list so that the
# command lines, and so the cached actions, stay the same.
MUDUO_COPTS = [
    "-Wall",
    "-Wextra",
] + select({
    str(Label("//tools/build_defs:werror")): ["-Werror"],
    "//conditions:default": [],
}) + [
    "-Wnon-virtual-dtor",
    "-Woverloaded-virtual",
    "-Wno-unused-parameter",
]

# A test's own sources (its cases, gtest's and gmock's templates) are most of
# a sanitizer build's compile time, and -O1 doubles it (services/kv/
# Store_test.cc under asan: 20 s of CPU at -O1, 9.5 s at -O0). The sanitizers
# instrument -O0 code just as well (better: nothing is optimised away), and
# the code under test, in the libraries, stays at the config's -O1.
MUDUO_TEST_COPTS = select({
    str(Label("//tools/build_defs:instrumented_o1")): ["-O0"],
    "//conditions:default": [],
})

def muduo_cc_library(name, copts = [], **kwargs):
    native.cc_library(
        name = name,
        copts = MUDUO_COPTS + copts,
        **kwargs
    )

def muduo_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(
        name = name,
        copts = MUDUO_COPTS + copts,
        **kwargs
    )

def muduo_cc_test(name, deps = [], copts = [], size = "small", gtest_main = True, **kwargs):
    """A gtest test. Links gtest_main unless the test brings its own main().

    Args:
      name: the test's name, by convention the file name without .cc.
      deps: the code under test and helpers.
      copts: extra compiler flags.
      size: an honest Bazel size; most unit tests are small.
      gtest_main: False when the test defines main() itself.
      **kwargs: passed to cc_test (srcs, data, tags, timeout, ...).
    """
    main = ["//third_party/googletest:gtest_main"] if gtest_main else ["//third_party/googletest:gtest"]
    native.cc_test(
        name = name,
        copts = MUDUO_COPTS + MUDUO_TEST_COPTS + copts,
        size = size,
        deps = deps + main + ["//third_party/googletest:gmock"],
        **kwargs
    )

def muduo_cc_benchmark(name, deps = [], copts = [], tags = [], **kwargs):
    """A google-benchmark binary. Not a test: run it with --config=opt and read the figures.

    Args:
      name: the binary's name, by convention the file name without .cc.
      deps: the code being measured.
      copts: extra compiler flags.
      tags: extra tags; "benchmark" is always added.
      **kwargs: passed to cc_binary (srcs, data, ...).
    """
    native.cc_binary(
        name = name,
        copts = MUDUO_COPTS + copts,
        tags = tags + ["benchmark"],
        deps = deps + ["//third_party/benchmark:benchmark_main"],
        **kwargs
    )

def muduo_test_variant(name, test, env, size = "small", **kwargs):
    """Runs the binary of an existing test again, with extra environment.

    Builds nothing: an sh_test runs `test`'s binary (its runfiles come along)
    through //tools/build_defs:run_with_env.sh. The binary inherits Bazel's
    XML_OUTPUT_FILE, so a gtest binary writes this target's own test.xml,
    case by case, as it would for `test` itself. Use it where a test should run
    once per setting that its code reads from the environment (a Poller
    backend, a log level), instead of declaring the test again and so
    compiling its sources again.

    Args:
      name: the variant's name.
      test: the label of the test whose binary runs.
      env: the environment for the run (name to value); it replaces none of
        Bazel's test environment (--test_env still applies).
      size: the variant's size, normally the same as `test`'s.
      **kwargs: passed to sh_test (tags, timeout, shard_count, flaky, ...).
    """
    native.sh_test(
        name = name,
        srcs = [Label("//tools/build_defs:run_with_env.sh")],
        data = [test],
        args = ["$(rootpath %s)" % test] +
               ["%s=%s" % (k, env[k]) for k in sorted(env.keys())] + ["--"],
        size = size,
        **kwargs
    )

# The settings of cc_test that belong to a run rather than to the binary; a
# test's variants (muduo_test_variant) take these and nothing else.
_RUN_ATTRS = ["size", "timeout", "tags", "flaky", "shard_count", "local"]

def muduo_reactor_test(name, env = {}, uring = False, uring_io = False, **kwargs):
    """A test of reactor code, built once and run once per Poller implementation.

    `name` is the cc_test and runs against the default poller (epoll). A
    variant (muduo_test_variant) "_poll_test", in place of the "_test" suffix,
    runs the same binary with MUDUO_USE_POLL=1, so every reactor test also
    covers the poll(2) poller. With `uring`, a third run "_uring_test" has
    MUDUO_USE_URING=1 (the io_uring poller; epoll where this machine cannot
    set up a ring): the tests that cover the poller's contract. With
    `uring_io`, "_uring_io_test" has MUDUO_USE_URING=io (completion-based
    receives and sends; the connection tests). The variants compile nothing,
    so they cost only their run time.

    Args:
      name: the epoll test's name; must end in "_test".
      env: extra environment for every run.
      uring: whether to run under the io_uring poller too.
      uring_io: whether to run in io_uring's completion mode too.
      **kwargs: passed to muduo_cc_test (srcs, deps, size, tags, ...); the
        run settings among them (size, timeout, tags, ...) to the variants too.
    """
    if not name.endswith("_test"):
        fail("muduo_reactor_test name must end in _test: " + name)
    muduo_cc_test(name = name, env = env, **kwargs)
    run_attrs = {k: kwargs[k] for k in _RUN_ATTRS if k in kwargs}
    stem = name[:-len("_test")]
    backends = {"_poll_test": ("MUDUO_USE_POLL", "1")}
    if uring:
        backends["_uring_test"] = ("MUDUO_USE_URING", "1")
    if uring_io:
        backends["_uring_io_test"] = ("MUDUO_USE_URING", "io")
    for suffix, (variable, value) in backends.items():
        variant_env = dict(env)
        variant_env[variable] = value
        muduo_test_variant(
            name = stem + suffix,
            test = ":" + name,
            env = variant_env,
            **run_attrs
        )

def muduo_fuzz_test(name, srcs, deps = [], corpus = None, copts = [], size = "small", tags = [], **kwargs):
    """A fuzz target declared once, with two faces.

    The sources define LLVMFuzzerTestOneInput (and optionally
    LLVMFuzzerInitialize). From them this makes:
      * `name`: under --config=fuzz a libFuzzer binary for long runs
        (tools/bazel run --config=fuzz //pkg:name -- -max_total_time=600 DIR);
        under any other config the same entry point behind
        //tools/fuzzing:ReplayMain.cc, which runs the files and directories
        given as arguments, so the target always builds;
      * `name + "_test"`: a cc_test that replays the seed corpus, and every
        crash input saved beside it, through the entry point, so
        `tools/bazel test //...` and the sanitizer runs keep each finding fixed.

    Args:
      name: the fuzzer's name, by convention ending in "_fuzzer".
      srcs: the sources that define the entry point.
      deps: the code under test.
      corpus: the seed corpus; by default every file under
        testdata/fuzz/<name>/ in this package. It must not be empty.
      copts: extra compiler flags.
      size: the replay test's size.
      tags: extra tags for both targets.
      **kwargs: passed to every rule (testonly, ...).
    """
    corpus_dir = "testdata/fuzz/" + name
    if corpus == None:
        corpus = native.glob([corpus_dir + "/**"])
    if not corpus:
        fail("muduo_fuzz_test %s: no seed corpus under %s" % (name, corpus_dir))
    fuzzing = "//tools/fuzzing:fuzzing_enabled"

    # The entry point, compiled once for both faces. alwayslink: nothing in
    # the binaries refers to LLVMFuzzerTestOneInput by name before the link
    # (libFuzzer's main and ReplayMain call it), and it must not be dropped.
    entry = name + "_entry"
    native.cc_library(
        name = entry,
        srcs = srcs,
        copts = MUDUO_COPTS + copts,
        deps = deps,
        alwayslink = True,
        tags = tags,
        visibility = ["//visibility:private"],
        **kwargs
    )
    native.cc_binary(
        name = name,
        deps = [":" + entry] + select({
            fuzzing: [],
            "//conditions:default": ["//tools/fuzzing:replay_main"],
        }),
        linkopts = select({
            fuzzing: ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = tags + ["fuzzer"],
        **kwargs
    )
    native.cc_test(
        name = name + "_test",
        deps = [":" + entry, "//tools/fuzzing:replay_main"],
        data = corpus,
        args = [native.package_name() + "/" + corpus_dir],
        size = size,
        tags = tags,
        **kwargs
    )
