#!/usr/bin/env bash
# Runs orch's tests: lint, build, then unit, integration and end-to-end tiers.
# Usage: scripts/test.sh [unit|integration|e2e|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:-all}"

npx eslint .
npm run build --silent

files() { find "dist/$1" -name '*.test.js' 2>/dev/null | sort; }
case "$tier" in
  unit) set -- $(files src) ;;
  integration) set -- $(files test/integration) ;;
  e2e) set -- $(files test/e2e) ;;
  all) set -- $(files src) $(files test/integration) $(files test/e2e) ;;
  *) echo "unknown tier: $tier (expected unit, integration, e2e or all)" >&2; exit 2 ;;
esac
if [ "$#" -eq 0 ]; then echo "no test files found for tier $tier" >&2; exit 1; fi
exec node --enable-source-maps --test --test-concurrency=2 --test-reporter=spec "$@"
