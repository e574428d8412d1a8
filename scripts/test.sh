#!/usr/bin/env bash
# The whole test suite, from a fresh clone: setup, build, the default models, Rust tests of every
# crate, fixtures, then the ava tests of the TypeScript API.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/llama-cpp-source.sh >/dev/null
bash scripts/python-env.sh >/dev/null
npm run build
node dist/cli.js models
# --release: shares the one llama.cpp build with the addon (a debug build would compile it again).
cargo test --workspace --release
npm run fixtures
npx ava
