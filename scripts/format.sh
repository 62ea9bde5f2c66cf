#!/usr/bin/env bash
# Formats the C++ sources with clang-format 14 (pinned by name). --check only reports.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
command -v "$CLANG_FORMAT" >/dev/null || CLANG_FORMAT=clang-format
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.h' '*.cc')
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = "--check" ]; then
  "$CLANG_FORMAT" --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
else
  "$CLANG_FORMAT" -i "${files[@]}"
fi
