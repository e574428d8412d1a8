#!/usr/bin/env bash
# A virtual environment with the reference tools the tests compare against (Hugging Face
# tokenizers, NumPy; onnxruntime and the onnx package for the ONNX exports), pinned. Idempotent;
# prints the interpreter's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.cache/venv"
stamp="$venv/.gguf-embed-ok-2"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy==2.4.6 tokenizers==0.23.3 onnxruntime==1.32.0 onnx==1.23.2
  touch "$stamp"
fi
echo "$venv/bin/python"
