#!/usr/bin/env bash
# llama.cpp's source tree, as it ships inside the npm package node-llama-cpp (no GitHub needed):
# its vocab-only GGUFs under models/ are real files made by llama.cpp's own tools.
# Idempotent; prints the checkout's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=3.22.1
dest="$root/.cache/llama.cpp"
if [ ! -f "$dest/.gguf-embed-ok" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-llama-cpp@$version" >/dev/null 2>&1)
  tar -xzf "$work/node-llama-cpp-$version.tgz" -C "$work" package/llama/gitRelease.bundle
  rm -rf "$dest"
  git clone -q "$work/package/llama/gitRelease.bundle" "$dest" 2>/dev/null
  echo "node-llama-cpp@$version" > "$dest/.gguf-embed-ok"
fi
echo "$dest"
