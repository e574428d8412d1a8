#!/usr/bin/env bash
# `npm run models`: builds what it needs, then makes the default models (gguf-embed models) and each
# one's static tier, fitted on the training corpus of the quality benchmark (packages disjoint from
# its evaluation sets; bench/quality/static-corpus.mjs fetches them once, pinned by version and hash).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
[ -f dist/src/cli.js ] && [ -n "$(ls dist/src/*.node 2>/dev/null)" ] || npm run build
corpus=.cache/static-corpus.jsonl
[ -f "$corpus" ] || node bench/quality/static-corpus.mjs --out "$corpus"
node dist/src/cli.js models --corpus "$corpus" "$@"
