#!/usr/bin/env bash
# Builds orch and runs its benchmarks: the bare storage baselines, then the API benchmarks
# on SQLite and etcd. Numbers, not pass/fail: each prints its targets next to its results.
# Usage: scripts/bench.sh [api.js flags, e.g. --quick, --backend sqlite, --client inline, --json]
set -euo pipefail
cd "$(dirname "$0")/.."

# tsc still writes every file it could compile when another part of the tree has type
# errors; benchmark those rather than refuse, but say so.
if ! npx tsc -p tsconfig.json; then
  echo "bench: tsc reported errors (above); benchmarking the JavaScript it emitted anyway" >&2
fi

echo "== storage baselines (bench/storage-raw.ts) =="
node dist/bench/storage-raw.js
echo
echo "== API benchmarks (bench/api.ts) =="
exec node dist/bench/api.js --backend both "$@"
