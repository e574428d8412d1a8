#!/usr/bin/env bash
# Installs the system packages a fresh machine lacks for building llama.cpp (cmake, a C++ compiler,
# libclang for bindgen), for the models and reference implementation (python3 with venv), and for
# checking the portable build (binutils, qemu-user).
# Debian/Ubuntu with apt as root; elsewhere it names what is missing and stops.
set -euo pipefail
missing=()
for tool in git cmake g++ python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1 \
  || [ -n "${LIBCLANG_PATH:-}" ] || missing+=(libclang-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# The portable linux-x64 build's checks: objdump for its glibc floor, qemu-user for the Nehalem run.
command -v objdump >/dev/null || missing+=(binutils)
if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then command -v qemu-x86_64 >/dev/null || missing+=(qemu-user); fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "system-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "system-deps: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
  exit 1
fi
