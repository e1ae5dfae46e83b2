#!/usr/bin/env bash
# Runs one benchmark (test/bench/<name>.bench.ts) on the built code against throwaway PostgreSQL and Redis,
# or a PyTorch one (test/bench/<name>.bench.py, e.g. training-step) in models/.
# usage: npm run bench -- ingest
#        npm run bench -- soak [seconds]   (mixed traffic against api + worker processes; default 60 s)
#        npm run bench -- fairness         (a light tenant's forecast latency alone and beside a heavy tenant's 10,000-series run)
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: npm run bench -- <name>   (files in test/bench/)}
if [ -f "test/bench/$name.bench.py" ]; then  # PyTorch-side benchmarks (training): no services needed
  cd models && PYTHONPATH=. exec "${PYTHON:-/usr/bin/python3}" "../test/bench/$name.bench.py" "${@:2}"
fi
export ONNXRUNTIME_NODE_INSTALL=skip
npx tsc -p tsconfig.bench.json
source scripts/lib/services.sh
BENCH_TMP=$(mktemp -d /tmp/tsfm-bench.XXXXXX); chmod 755 "$BENCH_TMP"
trap 'services_stop "$BENCH_TMP"; rm -rf "$BENCH_TMP"' EXIT
services_start "$BENCH_TMP" >/dev/null
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$TEST_PG_PORT/tsfm_test"
export TEST_REDIS_URL="redis://127.0.0.1:$TEST_REDIS_PORT"
node "dist/test/bench/$name.bench.js" "${@:2}"
