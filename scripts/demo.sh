#!/usr/bin/env bash
# The main job, from a fresh clone: set up, build, make the default model, then search the Python
# standard library's functions with natural-language queries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -d node_modules ] || npm install --no-audit --no-fund
[ -f dist/index.js ] && [ -n "$(ls dist/*.node 2>/dev/null)" ] || npm run build
[ -f .models/manifest.json ] || node dist/cli.js models
node scripts/demo.mjs
