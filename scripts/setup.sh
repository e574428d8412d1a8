#!/usr/bin/env bash
# What the demo and the benchmarks need on a fresh clone, each step skipped when already done:
# system packages, npm packages, the build, the default models.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -d node_modules ] || npm install --no-audit --no-fund
[ -f dist/index.js ] && [ -n "$(ls dist/src/*.node 2>/dev/null)" ] || npm run build
[ -f .models/manifest.json ] || node dist/src/cli.js models
