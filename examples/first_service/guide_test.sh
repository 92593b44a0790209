#!/usr/bin/env bash
# docs/FIRST_SERVICE.md shows each file of examples/first_service in full,
# each in a fenced block right after a line naming it ("File
# `examples/first_service/calc.proto`:"). Every such block must be that
# file, byte for byte, and every file the guide's BUILD uses must be shown,
# so the guide is the code first_service_test runs.
set -euo pipefail
exec python3 - docs/FIRST_SERVICE.md <<'PY'
import os, re, sys

guide = open(sys.argv[1]).read()
shown = {}
for m in re.finditer(r"^File `([^`]+)`:\n\n```[a-z]*\n(.*?)^```\n", guide, re.M | re.S):
    shown[m.group(1)] = m.group(2)
failed = False
for path in ["examples/first_service/" + f for f in (
        "calc.proto", "CalcServiceImpl.h", "CalcServiceImpl.cc", "server_main.cc",
        "client_main.cc", "BUILD.bazel")]:
    if path not in shown:
        print("FAIL: the guide does not show", path)
        failed = True
    elif shown[path] != open(path).read():
        print("FAIL: the guide's", path, "differs from the file")
        failed = True
for path in shown:
    if not os.path.exists(path):
        print("FAIL: the guide shows", path, "which does not exist")
        failed = True
# No link may leave the repository.
for target in re.findall(r"\]\(([^)]+)\)", guide):
    if target.startswith(("http:", "https:", "/", "../../")):
        print("FAIL: link leaves the repository:", target)
        failed = True
sys.exit(1 if failed else 0)
PY
