#!/usr/bin/env bash
# Replay from memory, one build against another, on a machine whose speed drifts: both builds
# replay the same scenario at the same time, one on each core, so that both see the same
# moment of the machine (run one after the other, two builds' rates differ by more from
# minute to minute than most changes move them). The cores are swapped every round and which
# build starts first every other round: before that, of two identical builds the one started
# first was ahead in 5 of 6 pairs. Prints each round's rates per model (M tenant-samples/s,
# `overbook bench`: the best of three replays) and, per model, in how many rounds the second
# build was ahead. Take a multiple of four rounds, and pair a build with itself before
# trusting a difference (a single pair of identical builds can differ by half).
# Usage: bash benches/pair.sh A_BIN B_BIN SCENARIO [ROUNDS]   (needs taskset and 2 cores)
set -euo pipefail
a=$1 b=$2 scenario=$3 rounds=${4:-4}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# "model rate" lines of one `overbook bench` output
rates() {
  sed 's/.*"replay_from_memory_tenant_samples_per_second":{\([^}]*\)}.*/\1/' "$1" | tr ',' '\n' |
    sed 's/"\([^"]*\)":\([0-9.]*\)/\1 \2/'
}
for i in $(seq "$rounds"); do
  # rounds 1 to 4: A on cores 0, 1, 0, 1; A started first, first, second, second
  if [ $((i % 2)) = 1 ]; then ca=0 cb=1; else ca=1 cb=0; fi
  first=(a "$a" $ca) second=(b "$b" $cb)
  if [ $(((i + 1) / 2 % 2)) = 0 ]; then first=(b "$b" $cb) second=(a "$a" $ca); fi
  taskset -c "${first[2]}" "${first[1]}" bench "$scenario" > "$out/${first[0]}" &
  p1=$!
  taskset -c "${second[2]}" "${second[1]}" bench "$scenario" > "$out/${second[0]}" &
  p2=$!
  # (a bare `wait` would not say that either run failed)
  wait $p1 || { echo "pair.sh: ${first[1]} bench $scenario failed" >&2; exit 1; }
  wait $p2 || { echo "pair.sh: ${second[1]} bench $scenario failed" >&2; exit 1; }
  join <(rates "$out/a" | sort) <(rates "$out/b" | sort) | tee -a "$out/all" |
    awk -v i="$i" '{printf "round %s %s: A %.1f B %.1f\n", i, $1, $2 / 1e6, $3 / 1e6}'
done
awk '{n[$1]++; if ($3 > $2) ahead[$1]++} END {for (m in n) printf "%s: B ahead in %d of %d\n", m, ahead[m], n[m]}' "$out/all" | sort
