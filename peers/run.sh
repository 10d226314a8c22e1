#!/usr/bin/env bash
# The peers bench: stripe-webhooks, async-stripe 0.41 and stripe-node on the same signed
# events, one after the other on this machine, each beside nothing but the others (the floors
# are in the Rust run). Needs the registries once (crates.io, npm); then runs offline.
#   bash peers/run.sh            # prints a table, writes target/peers/results.tsv
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/target/peers"
mkdir -p "$out"
(cd "$root/peers/rust" && cargo build --release --quiet)
(cd "$root/peers/node" && npm install --no-audit --no-fund --silent)
{
  "$root/peers/rust/target/release/stripe-webhooks-peers" "$out"
  node "$root/peers/node/bench.js" "$out"
} | tee "$out/results.tsv.partial"
mv "$out/results.tsv.partial" "$out/results.tsv"
echo
# Per payload: each implementation's time and its ratio to the Value floor.
awk -F'\t' '
  /Value/ { floor[$1] = $3 }
  { if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } count[$1]++; row[$1, count[$1]] = $2 FS $3 }
  END {
    for (i = 1; i <= n; i++) {
      p = order[i]; print p
      for (j = 1; j <= count[p]; j++) {
        split(row[p, j], parts, FS)
        printf "  %-60s %9.2f us  %5.2fx the Value floor\n", parts[1], parts[2], parts[2] / floor[p]
      }
    }
  }' "$out/results.tsv"
