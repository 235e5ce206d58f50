#!/usr/bin/env bash
# Speed-up of a sweep on 2 threads over 1 (and that both write the same sweep.csv).
# Usage: bash benches/sweep-threads.sh   (from the repository root)
set -euo pipefail
cargo build --release --quiet
bin=target/release/overbook
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args=(sweep scenarios/examples/saas-mq.toml --set models.shared.fill_target=1.5:3.0:0.5 --replications 3)
secs() { local s e; s=$(date +%s.%N); "$bin" "${args[@]}" --out "$out/$1" --threads "$1" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
one=$(secs 1)
two=$(secs 2)
cmp -s "$out/1/sweep.csv" "$out/2/sweep.csv" || { echo "sweep.csv differs between 1 and 2 threads"; exit 1; }
printf '1 thread: %.2f s, 2 threads: %.2f s, speed-up %.2fx\n' "$one" "$two" "$(echo "$one / $two" | bc -l)"
