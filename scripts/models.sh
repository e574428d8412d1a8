#!/usr/bin/env bash
# `npm run models`: builds what it needs, then makes the default models (gguf-embed models).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
[ -f dist/src/cli.js ] && [ -n "$(ls dist/src/*.node 2>/dev/null)" ] || npm run build
node dist/src/cli.js models "$@"
