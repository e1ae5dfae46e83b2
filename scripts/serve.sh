#!/usr/bin/env bash
# Quick start: installs, builds and runs api + worker on embedded defaults (no Docker, Redis or apt).
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
# Fewer glibc malloc arenas for ONNX Runtime's threads (docs/BENCHMARKS.md, Soak).
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# The service only: the SDK (npm run build:sdk) is not needed to serve.
npm run -s build:server
exec node bin/tsfm.js serve "$@"
