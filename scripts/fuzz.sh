#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz) of the readers of hostile files:
#   parse       the GGUF reader, seeded with the hostile corpus
#   checkpoint  convert's readers of config.json, tokenizer.json and safetensors headers
#   onnx        convert's ONNX reader (protobuf wire format, graph, initializers), seeded with small
#               exports laid out as torch writes them
# Usage: scripts/fuzz.sh [SECONDS] [TARGET]   (default 600 seconds, every target in turn)
set -euo pipefail
seconds=${1:-600}
only=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# cargo-fuzz needs nightly flags; a stable toolchain accepts them with RUSTC_BOOTSTRAP.
fuzz() {
  local crate=$1 target=$2
  shift 2
  cd "$root/crates/$crate"
  if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1 "$@"
  else
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1 "$@"
  fi
}

if [ -z "$only" ] || [ "$only" = parse ]; then
  seeds="$root/crates/format/fuzz/corpus/parse"
  mkdir -p "$seeds"
  cargo run -q --manifest-path "$root/Cargo.toml" -p gguf-embed-format --features corpus \
    --example write_fixtures -- "$seeds" >/dev/null
  rm -f "$seeds/manifest.json"
  fuzz format parse -rss_limit_mb=2048
fi
if [ -z "$only" ] || [ "$only" = checkpoint ]; then
  python3 "$root/crates/convert/fuzz/seed.py" "$root/crates/convert/fuzz/corpus/checkpoint"
  # An allocation sized by a declared number (a 4294967295-token vocabulary) is a crash here.
  fuzz convert checkpoint -rss_limit_mb=2048 -malloc_limit_mb=1024
fi
if [ -z "$only" ] || [ "$only" = onnx ]; then
  seeds="$root/crates/convert/fuzz/corpus/onnx"
  cargo run -q --manifest-path "$root/Cargo.toml" -p gguf-embed-convert --example onnx_seeds -- "$seeds"
  fuzz convert onnx -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536
fi
