#!/usr/bin/env bash
# The Linux addon as it ships: cross-built with zig (cargo-zigbuild) against glibc 2.28, with zig's
# libc++ linked statically and no OpenMP (ggml's own thread pool), llama.cpp as shared libraries
# beside the addon, and ggml's CPU backend built once per x86 (or Arm) feature level and chosen when
# the addon loads (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS). Writes npm/<platform>/.
#
#   bash scripts/build-portable.sh [x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu | x86_64-unknown-linux-musl]
#
# Installs its tools on first use: zig from PyPI, cargo-zigbuild from crates.io, in a cache folder
# outside the checkout (zig prints its header paths relative to the working directory when it lives
# under it, and cargo-zigbuild hands those relative paths to bindgen, which runs elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${1:-x86_64-unknown-linux-gnu}
case "$target" in
  x86_64-unknown-linux-gnu) platform=linux-x64-gnu; zig_target=$target.2.28 ;;
  aarch64-unknown-linux-gnu) platform=linux-arm64-gnu; zig_target=$target.2.28 ;;
  # A .node is a shared object: musl's static C runtime default must be off for a cdylib.
  x86_64-unknown-linux-musl) platform=linux-x64-musl; zig_target=$target; export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=-crt-static" ;;
  *) echo "build-portable: unsupported target $target" >&2; exit 2 ;;
esac
ZIG_VERSION=0.17.1
ZIGBUILD_VERSION=0.24.1

tools="${XDG_CACHE_HOME:-$HOME/.cache}/gguf-embed/portable-tools"
if [ ! -x "$tools/venv/bin/python" ] || ! "$tools/venv/bin/python" -m ziglang version 2>/dev/null | grep -qx "$ZIG_VERSION"; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q "ziglang==$ZIG_VERSION"
fi
if ! "$tools/bin/cargo-zigbuild" --version 2>/dev/null | grep -q "$ZIGBUILD_VERSION"; then
  cargo install -q --locked --root "$tools" "cargo-zigbuild@$ZIGBUILD_VERSION"
fi
# cargo-zigbuild finds zig as `python3 -m ziglang` when no `zig` is on the PATH.
export PATH="$tools/venv/bin:$tools/bin:$PATH"

# Own target folder: the dev build (static, OpenMP, one CPU level) stays warm beside it.
export CARGO_TARGET_DIR="$root/target/portable"
# .cargo/config.toml pins the dev build's single CPU level; the variants set their own.
export GGML_AVX=OFF GGML_AVX2=OFF GGML_FMA=OFF GGML_F16C=OFF GGML_BMI2=OFF GGML_SSE42=OFF
# llama-cpp-sys-2 hard-links the shared libraries into the target folder unless a file of that name
# exists, and a symlink left by an earlier build dangles there (EEXIST): clear them first.
for d in "$CARGO_TARGET_DIR/$target/release" "$CARGO_TARGET_DIR/$target/release/deps" "$CARGO_TARGET_DIR/$target/release/examples"; do
  rm -f "$d"/libllama*.so* "$d"/libggml*.so*
done
cargo zigbuild --release --target "$zig_target" -p gguf-embed-node --no-default-features --features portable

out="$root/npm/$platform"
# The newest build of llama-cpp-sys-2 (an older feature set leaves its own folder behind).
build=$(ls -dt "$CARGO_TARGET_DIR/$target"/release/build/llama-cpp-sys-2-*/out | head -1)
rm -f "$out"/*.node "$out"/*.so*
cp "$CARGO_TARGET_DIR/$target/release/libgguf_embed_node.so" "$out/gguf-embed.$platform.node"
# The libraries under the names the addon asks for (their SONAMEs), without symlinks (npm drops them).
for name in llama ggml ggml-base; do
  lib="$build/lib/lib$name.so"
  [ -e "$lib" ] || continue
  soname=$(objdump -p "$lib" | awk '/SONAME/ { print $2 }')
  cp -L "$lib" "$out/${soname:-$(basename "$lib")}"
done
cp -L "$build"/backends/libggml-cpu-*.so "$out/"
strip --strip-unneeded "$out"/*.so* "$out"/*.node 2>/dev/null || true
ls -l "$out"
