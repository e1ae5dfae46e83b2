#!/usr/bin/env bash
# Accuracy evaluation on the real datasets in the folder TSFM_EVAL_DATA (scripts/eval/eval_data.py says what goes there):
# data subset -> served models (onnxruntime-node, the real pipeline) -> statsmodels baselines ->
# docs/ACCURACY.md. Forecasts are cached under .tmp/eval/ (keyed by model sha256 / input mtime).
# usage: npm run eval [-- --fresh] [-- --models xlstm-small,ssm-small]
#        npm run eval -- --covariates [--datasets vic_elec,...]   (covariates only: scripts/eval/covariates.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
PY=${PYTHON:-/usr/bin/python3}
cached=yes
models=()
covariates=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) rm -rf .tmp/eval; cached=no ;;
    --models) models=(--models "$2"); shift ;;
    --covariates) covariates=(--covariates) ;;
    --datasets) covariates+=(--datasets "$2"); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -d .tmp/eval/forecasts ] || cached=no
# Before anything is built: no data folder, no evaluation (the message lists the layout).
"$PY" scripts/eval/eval_data.py
if [ ${#covariates[@]} -gt 0 ]; then
  npx tsc -p scripts/eval/tsconfig.json
  exec node dist/scripts/eval/covariates.js --data "$TSFM_EVAL_DATA" "${covariates[@]:1}"
fi
t0=$(date +%s)
"$PY" scripts/eval/data.py
npx tsc -p scripts/eval/tsconfig.json
node dist/scripts/eval/run-models.js "${models[@]}"
OPENBLAS_NUM_THREADS=1 "$PY" scripts/eval/baselines.py
# auto's validation windows: the models' forecasts on the last 2 horizons of every training part
"$PY" scripts/eval/holdout.py series
for w in 1 2; do node dist/scripts/eval/run-models.js "${models[@]}" --series .tmp/eval/holdout/val$w/series --out .tmp/eval/holdout/val$w/forecasts; done
node dist/scripts/eval/run-auto.js
"$PY" scripts/eval/report.py --wall $(( $(date +%s) - t0 )) --cached "$cached"
"$PY" scripts/eval/cards.py
