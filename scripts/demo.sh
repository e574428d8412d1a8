#!/usr/bin/env bash
# The main job, from a fresh clone: set up, build, make the default model, then search the Python
# standard library's functions with natural-language queries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/demo.mjs
