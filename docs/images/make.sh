#!/usr/bin/env bash
# Remakes the report screenshots the README shows: the quick start, the Bitbrains example and
# the quick start's plan, each report opened in headless Chromium 1280 CSS pixels wide and its
# top 1,400 pixels kept (.ci/check-report.sh takes the shot and checks no figure is blank).
# Needs chromium and a Python with Pillow (PYTHON=..., default target/nbenv/bin/python).
# Usage: bash docs/images/make.sh   (from the repository root)
set -euo pipefail
export PYTHON=${PYTHON:-target/nbenv/bin/python}
cargo build --release --quiet
bin=target/release/overbook
work=target/screens
rm -rf "$work"
mkdir -p "$work"
"$bin" run scenarios/quickstart.toml --out "$work/quickstart" --quiet
"$bin" run scenarios/examples/bitbrains.toml --out "$work/bitbrains" --quiet
"$bin" plan scenarios/examples/quickstart-plan.toml --out "$work/plan" > /dev/null
for name in quickstart bitbrains plan; do
  bash .ci/check-report.sh "$work/$name/report.html" "$work/$name.png"
  "$PYTHON" - "$work/$name.png" "docs/images/$name.png" <<'PY'
import sys
from PIL import Image
shot = Image.open(sys.argv[1]).convert("RGB")
top = shot.crop((0, 0, shot.width, min(shot.height, 1400)))
top.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(sys.argv[2], optimize=True)
PY
done
ls -l docs/images/*.png
