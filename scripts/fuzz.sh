#!/usr/bin/env bash
# Coverage-guided fuzzing of the GGUF reader (libFuzzer through cargo-fuzz), seeded with the
# hostile corpus. Usage: scripts/fuzz.sh [SECONDS]   (default 600)
set -euo pipefail
seconds=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
seeds="$root/crates/format/fuzz/corpus/parse"
mkdir -p "$seeds"
cargo run -q --manifest-path "$root/Cargo.toml" -p gguf-embed-format --features corpus \
  --example write_fixtures -- "$seeds" >/dev/null
rm -f "$seeds/manifest.json"
cd "$root/crates/format"
# cargo-fuzz needs nightly flags; a stable toolchain accepts them with RUSTC_BOOTSTRAP.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo +nightly fuzz run parse -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1
else
  RUSTC_BOOTSTRAP=1 cargo fuzz run parse -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1
fi
