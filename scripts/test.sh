#!/usr/bin/env bash
# The whole test suite, from a fresh clone: setup, build, Rust tests of every crate, fixtures, ava.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/llama-cpp-source.sh >/dev/null
npm run build
cargo test --workspace
npm run fixtures
npx ava
