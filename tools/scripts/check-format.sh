#!/usr/bin/env bash
# Checks that coco's C and C++ sources are formatted as .clang-format says
# (clang-format 22, installed by install-deps.sh). With --fix, formats them.
set -euo pipefail
cd "$(dirname "$0")/../.."
clang_format=${CLANG_FORMAT:-$(command -v clang-format-22 || echo /usr/lib/llvm-22/bin/clang-format)}
if [ ! -x "$clang_format" ]; then
  echo "check-format: clang-format 22 not found (tools/scripts/install-deps.sh installs it)" >&2
  exit 2
fi
mapfile -t files < <(find include lib tools test python benchmarks \
  \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -not -path '*/__pycache__/*' | sort)
if [ "${1:-}" = "--fix" ]; then
  "$clang_format" -i "${files[@]}"
  exit 0
fi
# --dry-run -Werror prints each unformatted place as file:line:col and fails.
if ! "$clang_format" --dry-run -Werror "${files[@]}"; then
  echo "check-format: run tools/scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
