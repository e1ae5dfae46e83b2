#!/usr/bin/env bash
# Quick start: installs, builds and runs api + worker on embedded defaults (no Docker, Redis or apt).
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run -s build
exec node bin/tsfm.js serve "$@"
