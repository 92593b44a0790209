"""C++ rule wrappers: the one place that holds this project's copts and test defaults.

Every BUILD file outside third_party/ uses these instead of the native rules, so
warnings, language level and test conventions cannot drift between packages.
"""

# Strict warnings for our own code only; third_party overlays use native rules.
MUDUO_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
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

def muduo_reactor_test(name, srcs, deps, size = "small", **kwargs):
    """A test of code that runs on an EventLoop, declared once per poller.

    `name` runs on the default poller (epoll); its twin,
    name.replace("_test", "_poll_test"), runs the same sources with
    MUDUO_USE_POLL=1, so both pollers stay covered by every reactor test.

    Args:
      name: the test's name, ending in _test.
      srcs: the test sources, shared by both targets.
      deps: the code under test and helpers.
      size: an honest Bazel size, the same for both.
      **kwargs: passed to muduo_cc_test (tags, timeout, env, ...).
    """
    env = kwargs.pop("env", {})
    muduo_cc_test(name = name, srcs = srcs, deps = deps, size = size, env = env, **kwargs)
    poll_env = dict(env)
    poll_env["MUDUO_USE_POLL"] = "1"
    muduo_cc_test(
        name = name.replace("_test", "_poll_test"),
        srcs = srcs,
        deps = deps,
        size = size,
        env = poll_env,
        **kwargs
    )
