#!/usr/bin/env bash
# Builds orch and runs every benchmark. Numbers, not pass/fail: each prints its targets and
# baselines measured in the same run. Benchmarks that need root and kernel features (proxy,
# pods: containerd) run only as root; the Docker Swarm baseline in pods needs dockerd (Debian
# docker.io, not installed by setup.sh) and is skipped with the reason when it is missing.
# Usage: scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick)

echo "== storage baselines (bench/storage-raw.ts) =="
node dist/bench/storage-raw.js
echo; echo "== API server (bench/api.ts) =="
node dist/bench/api.js --backend both "${quick[@]}"
echo; echo "== scheduler, 5,000 nodes / 10,000 pods (bench/scheduler.ts) =="
node dist/bench/scheduler.js --nodes 5000 --pods 10000
echo; echo "== 1,000-replica Deployment on fake nodes (bench/deployment.ts) =="
node dist/bench/deployment.js --replicas 1000 --nodes 100
echo; echo "== cluster DNS (bench/dns.ts) =="
node dist/bench/dns.js
echo; echo "== ingress vs direct (bench/ingress.ts) =="
node dist/bench/ingress.js
if [ "$(id -u)" -eq 0 ]; then
  echo; echo "== service proxy: rule sync and data path (bench/proxy.ts) =="
  node dist/bench/proxy.js
  echo; echo "== pod start latency on containerd, CRI floor, agent RSS, vs Docker Swarm (bench/pods.ts) =="
  node dist/bench/pods.js
  echo; echo "== node agent memory, 0 and 50 pods (bench/agent-memory.ts) =="
  node dist/bench/agent-memory.js
fi
