#!/usr/bin/env bash
# Opens a report.html in headless Chromium and fails unless every figure drew something: the
# page marks <body data-figures="OK/TOTAL" data-rects="x,y,w,h;..." data-height=H> once
# loaded; then a screenshot of the whole page (1280 CSS pixels wide, at scale 1) must show no
# figure's area blank (one colour) or off the page (.ci/blank-figures.py).
# Usage: bash .ci/check-report.sh REPORT.html [SHOT.png]   (the shot kept where given)
set -euo pipefail
report=$(realpath "$1")
profile=$(mktemp -d)
shot=${2:-$profile/shot.png}
trap 'rm -rf "$profile"' EXIT
python=${PYTHON:-python3}
if [ -z "${PYTHON:-}" ] && [ -x target/nbenv/bin/python ]; then python=target/nbenv/bin/python; fi
chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --force-device-scale-factor=1 --user-data-dir="$profile" \
    --virtual-time-budget=10000 "$@" 2>/dev/null
}
dom=$(chrome --window-size=1280,900 --dump-dom "file://$report")
mark=$(grep -o 'data-figures="[0-9]*/[0-9]*"' <<<"$dom" | head -1 | tr -d '"' | cut -d= -f2)
ok=${mark%/*}
total=${mark#*/}
if [ -z "$mark" ] || [ "$total" -eq 0 ] || [ "$ok" -ne "$total" ]; then
  echo "report check failed: figures drawn ${mark:-none} in $report"
  exit 1
fi
echo "report check: $ok of $total figures drawn in $report"
rects=$(grep -o 'data-rects="[0-9,;-]*"' <<<"$dom" | head -1 | cut -d'"' -f2)
height=$(grep -o 'data-height="[0-9]*"' <<<"$dom" | head -1 | cut -d'"' -f2)
# (Chromium draws at most 16,384 pixels a side; a taller page is shot to that height, and a
# figure below it fails as off the shot)
height=$(( height > 16384 ? 16384 : height ))
chrome --window-size=1280,"$height" --screenshot="$shot" "file://$report" >/dev/null
"$python" .ci/blank-figures.py "$shot" "$rects"
