#!/usr/bin/env bash
# The lint gate (`npm run lint`; CI's lint job and `npm test` run it): Rust formatting and clippy
# with warnings denied, then oxlint and prettier over the TypeScript and scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
# Release and the host triple: clippy then shares the one llama.cpp build with `npm run build`
# and `cargo test` (any other profile or target compiles llama.cpp again, minutes on 2 cores).
host=$(rustc -vV | sed -n 's/^host: //p')
cargo clippy --workspace --all-targets --release --target "$host" -- -D warnings
# .oxlintrc.json: correctness rules, less two that fight what the code does on purpose:
# no-control-regex (escaping control characters is matching them) and unicorn/no-new-array
# (arrays preallocated and filled by index; tests build arrays with holes).
npx oxlint --deny-warnings
npx prettier --check .
