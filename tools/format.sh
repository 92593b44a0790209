#!/usr/bin/env bash
# Applies the committed .clang-format to every C++ file we own (third_party
# overlays are BUILD files only). With --check, changes nothing and exits
# non-zero if any file would change.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=(-i)
if [[ "${1:-}" == "--check" ]]; then
  mode=(--dry-run --Werror)
fi

git ls-files -- '*.h' '*.cc' ':!third_party/**' | xargs -r clang-format --style=file "${mode[@]}"
