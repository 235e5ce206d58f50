#!/usr/bin/env bash
# Opens a report.html in headless Chromium and fails unless every figure drew something.
# The page marks <body data-figures="OK/TOTAL"> once loaded.
set -euo pipefail
report=$(realpath "$1")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
dom=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --virtual-time-budget=10000 --dump-dom "file://$report" 2>/dev/null)
mark=$(grep -o 'data-figures="[0-9]*/[0-9]*"' <<<"$dom" | head -1 | tr -d '"' | cut -d= -f2)
ok=${mark%/*}
total=${mark#*/}
if [ -z "$mark" ] || [ "$total" -eq 0 ] || [ "$ok" -ne "$total" ]; then
  echo "report check failed: figures drawn ${mark:-none} in $report"
  exit 1
fi
echo "report check: $ok of $total figures drawn in $report"
