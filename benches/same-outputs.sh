#!/usr/bin/env bash
# Whether two builds write the same bytes: runs both over the quick start, every example, the
# regression suite, and `compare`, `predict`, `sweep` and `plan` on the quick start, each in a
# directory of its own, and compares the two trees file by file (`diff -r`). Used to show that
# a change of the engine's code (not of what it computes) leaves every output as it was.
#   `compare` runs the quick start with a `[compare]` section of three placers
#   appended; `predict` its trace with a `node` column added (tenant k on node
#   k mod 4; the quick start's own trace has none); `plan` with the `[planner]` section of
#   docs/planning.md appended, at a 5% target.
#   An example the old build refuses (a later feature) is left out of both, and said so.
# Usage: bash benches/same-outputs.sh OLD_BIN NEW_BIN [WORK_DIR]   (prints "same" or the diff)
set -euo pipefail
old=$(realpath "$1") new=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
work=${3:-$(mktemp -d)}
mkdir -p "$work"

# the suite, run by build $1 into $work/$2
suite() {
  local bin=$1 dir=$work/$2
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$root/scenarios" "$dir/scenarios"
  cd "$dir/scenarios"
  cat quickstart.toml - > compare.toml <<'EOF'

[compare]
placers = ["first-fit", "worst-fit", "complementary-peaks"]
predictors = ["limit"]
EOF
  cat quickstart.toml - > plan.toml <<'EOF'

[planner]
knob = "fill_target"
low = 1.0
high = 2.0
step = 0.25
target = 0.05
replications = 3
EOF
  awk -F, 'NR == 1 { print $0 ",node"; next }
           { if (!($2 in k)) k[$2] = n++; print $0 ",n" (k[$2] % 4) }' \
    quickstart/trace.csv > quickstart/trace-nodes.csv
  sed 's|quickstart/trace.csv|quickstart/trace-nodes.csv|' quickstart.toml > predict.toml
  # relative, so that the printed paths are the same for both builds
  local out=../out
  "$bin" run quickstart.toml --out "$out/quickstart" -q
  for s in examples/*.toml; do
    # an example the old build does not know (a later feature) is left out of both
    if [ "$2" = old ] && ! "$bin" validate "$s" > /dev/null 2>&1; then
      echo "left out $s: the old build refuses it" >&2
      echo "$s" >> "$work/skipped"
      continue
    fi
    if grep -qxF "$s" "$work/skipped" 2> /dev/null; then
      continue
    fi
    "$bin" run "$s" --out "$out/$(basename "$s" .toml)" -q
  done
  "$bin" compare compare.toml --out "$out/compare" > "$out/compare.txt"
  "$bin" predict predict.toml --out "$out/predict" > "$out/predict.txt"
  "$bin" sweep quickstart.toml --set models.shared.fill_target=1.0:2.0:0.5 --replications 2 \
    --out "$out/sweep" > "$out/sweep.txt"
  "$bin" plan plan.toml --out "$out/plan" > "$out/plan.txt"
  # a regression (exit 1) is an outcome to compare too
  "$bin" regress regression --baseline regression/baseline.json > "$out/regress.txt" ||
    echo "exit $?" >> "$out/regress.txt"
  cd - > /dev/null
}

rm -f "$work/skipped"
suite "$old" old
suite "$new" new
if diff -r "$work/old/out" "$work/new/out"; then
  echo "same: $(find "$work/new/out" -type f | wc -l) files in $work/new/out"
else
  exit 1
fi
