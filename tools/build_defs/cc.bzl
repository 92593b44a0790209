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
        copts = MUDUO_COPTS + copts,
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

def muduo_reactor_test(name, env = {}, uring = False, uring_io = False, **kwargs):
    """A test of reactor code, declared once per Poller implementation.

    `name` runs against the default poller (epoll); `name` with its "_test"
    suffix replaced by "_poll_test" runs the same sources with MUDUO_USE_POLL=1,
    so every reactor test also covers the poll(2) poller. With `uring`, a
    third copy "_uring_test" runs with MUDUO_USE_URING=1 (the io_uring
    poller; epoll where this machine cannot set up a ring). Only the tests
    that cover the poller's contract have the third copy: each copy compiles
    its sources again. With `uring_io`, a fourth copy "_uring_io_test" runs
    with MUDUO_USE_URING=io (completion-based receives and sends; only the
    connection tests need it).

    Args:
      name: the epoll test's name; must end in "_test".
      env: extra environment for every copy.
      uring: whether to declare the io_uring copy too.
      uring_io: whether to declare the completion-mode io_uring copy too.
      **kwargs: passed to muduo_cc_test (srcs, deps, size, tags, ...).
    """
    if not name.endswith("_test"):
        fail("muduo_reactor_test name must end in _test: " + name)
    muduo_cc_test(name = name, env = env, **kwargs)
    stem = name[:-len("_test")]
    poll_env = dict(env)
    poll_env["MUDUO_USE_POLL"] = "1"
    muduo_cc_test(
        name = stem + "_poll_test",
        env = poll_env,
        **kwargs
    )
    for wanted, suffix, mode in [(uring, "_uring_test", "1"), (uring_io, "_uring_io_test", "io")]:
        if wanted:
            uring_env = dict(env)
            uring_env["MUDUO_USE_URING"] = mode
            muduo_cc_test(
                name = stem + suffix,
                env = uring_env,
                **kwargs
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
      **kwargs: passed to both rules.
    """
    corpus_dir = "testdata/fuzz/" + name
    if corpus == None:
        corpus = native.glob([corpus_dir + "/**"])
    if not corpus:
        fail("muduo_fuzz_test %s: no seed corpus under %s" % (name, corpus_dir))
    fuzzing = "//tools/fuzzing:fuzzing_enabled"
    native.cc_binary(
        name = name,
        srcs = srcs,
        copts = MUDUO_COPTS + copts,
        deps = deps + select({
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
        srcs = srcs,
        copts = MUDUO_COPTS + copts,
        deps = deps + ["//tools/fuzzing:replay_main"],
        data = corpus,
        args = [native.package_name() + "/" + corpus_dir],
        size = size,
        tags = tags,
        **kwargs
    )
