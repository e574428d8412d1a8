#!/usr/bin/env bash
# The main job so far, from a fresh clone: set up, build, then describe real GGUF files made by
# llama.cpp's tools and show the hostile corpus refused with typed errors.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
[ -f dist/index.js ] && [ -n "$(ls dist/*.node 2>/dev/null)" ] || npm run build
bash scripts/llama-cpp-source.sh >/dev/null
[ -f .cache/fixtures/manifest.json ] || npm run fixtures
node scripts/demo.mjs
