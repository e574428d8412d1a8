#!/usr/bin/env bash
# The main job, from a fresh clone: set up, build, make the default model, then index part of the
# Python standard library with CodeIndex and search it with natural-language queries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/demo.mjs
