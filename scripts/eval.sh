#!/usr/bin/env bash
# Accuracy evaluation on the real datasets in the folder TSFM_EVAL_DATA (scripts/eval/eval_data.py says what goes there):
# data subset -> served models (onnxruntime-node, the real pipeline) -> statsmodels baselines ->
# docs/ACCURACY.md. Forecasts are cached under .tmp/eval/ (keyed by model sha256 / input mtime).
# usage: npm run eval [-- --fresh] [-- --models xlstm-small,ssm-small]
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
PY=${PYTHON:-/usr/bin/python3}
cached=yes
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) rm -rf .tmp/eval; cached=no ;;
    --models) models=(--models "$2"); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -d .tmp/eval/forecasts ] || cached=no
# Before anything is built: no data folder, no evaluation (the message lists the layout).
"$PY" scripts/eval/eval_data.py
t0=$(date +%s)
"$PY" scripts/eval/data.py
npx tsc -p scripts/eval/tsconfig.json
node dist/scripts/eval/run-models.js "${models[@]}"
OPENBLAS_NUM_THREADS=1 "$PY" scripts/eval/baselines.py
"$PY" scripts/eval/report.py --wall $(( $(date +%s) - t0 )) --cached "$cached"
"$PY" scripts/eval/cards.py
