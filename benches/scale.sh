#!/usr/bin/env bash
# How `overbook run` scales with tenants: wall time and peak resident memory of a run of
# benches/scale.toml (one day at 5-minute steps, three models sized by spec) at 10^4, 10^5 and
# 10^6 generated tenants, the exponents of time and memory in the tenant count (least squares
# on log-log), and the size of every output file, written to output/scale.json.
# Time and memory are GNU time's (`/usr/bin/time -f '%e %M'`: elapsed wall seconds and
# maximum resident set size in KiB, the same fields `time -v` prints). Each run passes
# `--memory-report`: its groups of structures (bytes per model and group at the end of the
# simulation, from capacities) and its peak resident memory before and after building the
# outputs (VmHWM) go into the run's `memory` in scale.json.
# Usage: bash benches/scale.sh [--quick]   (from the repository root)
#   --quick: 10^3 and 10^4 tenants only, a smoke test (about a minute).
#   SCALE_SIZES="10000 100000 300000" overrides the counts.
set -euo pipefail
sizes="10000 100000 1000000"
json=output/scale.json
if [ "${1:-}" = "--quick" ]; then
  sizes="1000 10000"
  json=output/scale-quick.json
fi
sizes=${SCALE_SIZES:-$sizes}
cargo build --release --quiet
bin=target/release/overbook
work=target/scale
mkdir -p "$work" output

: > "$work/points"
runs=""
for n in $sizes; do
  sed "s/^count = 10000$/count = $n/" benches/scale.toml > "$work/scale-$n.toml"
  grep -q "^count = $n$" "$work/scale-$n.toml"
  rm -rf "$work/out-$n"
  /usr/bin/time -f '%e %M' -o "$work/time-$n" "$bin" run "$work/scale-$n.toml" --out "$work/out-$n" -q \
    --memory-report > /dev/null 2> "$work/memory-$n"
  read -r secs kb < "$work/time-$n"
  # "memory: MODEL GROUP BYTES PER_TENANT" rows, and the two VmHWM lines
  memory=$(awk '
    $1 == "memory:" && NF == 5 && $4 ~ /^[0-9]+$/ {
      rows = rows (rows ? ", " : "") sprintf("{\"model\": \"%s\", \"group\": \"%s\", \"bytes\": %s, \"per_tenant\": %s}", $2, $3, $4, $5)
    }
    /peak resident before outputs: [0-9]+ KiB/ { before = $(NF - 1) }
    /peak resident after outputs: [0-9]+ KiB/ { after = $(NF - 1) }
    END {
      printf "{\"vmhwm_before_outputs_kib\": %s, \"vmhwm_after_outputs_kib\": %s, \"groups\": [%s]}", \
        (before ? before : "null"), (after ? after : "null"), rows
    }' "$work/memory-$n")
  echo "$n $secs $kb" >> "$work/points"
  files=$(cd "$work/out-$n" && find . -type f | sort | while read -r f; do
    printf '"%s": %s, ' "${f#./}" "$(stat -c %s "$f")"; done)
  runs="$runs${runs:+,
    }{\"tenants\": $n, \"seconds\": $secs, \"peak_rss_kib\": $kb, \"file_bytes\": {${files%, }}, \"memory\": $memory}"
  echo "scale: $n tenants: $secs s, $kb KiB peak" >&2
done

# least squares slope of log(y) on log(n): the exponent
slope() {
  awk -v col="$1" '{x = log($1); y = log($col); sx += x; sy += y; sxx += x * x; sxy += x * y; k++}
    END {d = k * sxx - sx * sx; if (k < 2 || d == 0) print "null"; else printf "%.3f\n", (k * sxy - sx * sy) / d}' "$work/points"
}

cat > "$json" <<JSON
{
  "scenario": "benches/scale.toml",
  "measure": "GNU time: %e wall seconds, %M peak resident KiB",
  "time_exponent": $(slope 2),
  "memory_exponent": $(slope 3),
  "runs": [
    $runs
  ]
}
JSON
cat "$json"
