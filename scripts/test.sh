#!/usr/bin/env bash
# The whole test suite, from a fresh clone: setup, build, the default models, Rust tests of every
# crate, fixtures, then the ava tests of the TypeScript API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/llama-cpp-source.sh >/dev/null
bash scripts/python-env.sh >/dev/null
npm run build
# The lint gate after the build: clippy shares it, and tsc has type-checked during it.
npm run lint
node dist/src/cli.js models
# --release and napi's explicit --target: share the one llama.cpp build with the addon (any other
# profile or target directory compiles llama.cpp again, minutes on 2 cores).
host=$(rustc -vV | sed -n 's/^host: //p')
cargo test --workspace --release --target "$host"
# A panic injected at each stage of an inference round (test-only feature, never shipped).
cargo test --release --target "$host" -p gguf-embed-engine --features fault-injection --test faults
npm run fixtures
# The linux-x64 package as it ships (zig, glibc 2.28, CPU kernels chosen at run time): the install,
# glibc and Nehalem tests use it. Its own target folder; minutes on 2 cores the first time.
if [ "$host" = x86_64-unknown-linux-gnu ]; then bash scripts/build-portable.sh "$host"; fi
npx ava
