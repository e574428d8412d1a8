#!/usr/bin/env bash
# The code-retrieval benchmark from a fresh clone: set up, build, make the models, build the sets,
# measure every variant and BM25 (estimated within the hour on 2 cores). Arguments go to bench/quality/run.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the static tiers (and the corpus they are fitted on), if not made yet
bash scripts/models.sh >/dev/null
node bench/quality/run.mjs "$@"
