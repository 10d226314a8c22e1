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
  { t[$1 FS $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } impls[$2] = 1 }
  /Value/ { floor[$1] = $3 }
  END {
    for (i = 1; i <= n; i++) {
      p = order[i]; print p
      for (k in t) { split(k, parts, FS); if (parts[1] == p)
        printf "  %-60s %9.2f us  %5.2fx the Value floor\n", parts[2], t[k], t[k] / floor[p] }
    }
  }' "$out/results.tsv"
