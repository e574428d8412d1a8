#!/usr/bin/env bash
# Builds the C++ harness against the llama.cpp static libraries that llama-cpp-sys-2 built for
# gguf-embed (run `npm run build` first), so both sides use the same llama.cpp and the same flags.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(ls -d "$root"/target/*/release/build/llama-cpp-sys-2-*/out "$root"/target/release/build/llama-cpp-sys-2-*/out 2>/dev/null | while read -r d; do [ -f "$d/lib/libllama.a" ] && echo "$d"; done | head -1)
[ -n "$out" ] || { echo "no llama.cpp build under target/release: run npm run build" >&2; exit 1; }
src=$(ls -d "$HOME"/.cargo/registry/src/*/llama-cpp-sys-2-0.1.161/llama.cpp | head -1)
mkdir -p "$root/bench/.build"
g++ -O2 -std=c++17 "$root/bench/harness/embed_bench.cpp" -I "$src/include" -I "$src/ggml/include" \
  -L "$out/lib" -lllama -lggml -lggml-cpu -lggml-base -fopenmp -lpthread -o "$root/bench/.build/embed_bench"
echo "$root/bench/.build/embed_bench"
