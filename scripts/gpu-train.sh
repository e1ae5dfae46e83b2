#!/usr/bin/env bash
# Pre-trains a larger model on an NVIDIA GPU in a fixed time box, from one command (issue: "where a
# GPU machine with PyTorch is available, train a larger model the same way from one prepared script").
#
#   bash scripts/gpu-train.sh FAMILY MINUTES [CONFIG] [SEED]
#
# FAMILY ssm|xlstm; MINUTES of training wall time in all; CONFIG (default gpu, a recipe in
# models/toolchain/training/recipes.toml). Steps: a 30-step probe measures steps/s on this machine,
# then the run gets as many steps as fit in the rest of MINUTES (85 %), so its learning-rate
# schedule finishes; --max-minutes stops it with a checkpoint in any case. The run directory
# (ckpt.pt, config.json, log.jsonl) and gpu-train.log go to $OUT/runs/<FAMILY>-<CONFIG> when $OUT is
# set (the device machine's output folder), else to models/runs/. Export it on any machine with
#   cd models && PYTHONPATH=. python3 -m toolchain.training.export --run runs/<run> --id <id> --out .
#
# env: TSFM_TRAIN_DEVICE (cuda), TSFM_TRAIN_BATCH (256), TSFM_TRAIN_WORKERS (cores - 2, at least 1),
#      PYTHON (python3 with torch), TSFM_TRAIN_PROBE (30 steps)
set -euo pipefail
cd "$(dirname "$0")/../models"
family=${1:?usage: gpu-train.sh ssm|xlstm MINUTES [CONFIG] [SEED]}
minutes=${2:?usage: gpu-train.sh ssm|xlstm MINUTES [CONFIG] [SEED]}
config=${3:-gpu}
seed=${4:-0}
PY=${PYTHON:-python3}
device=${TSFM_TRAIN_DEVICE:-cuda}
batch=${TSFM_TRAIN_BATCH:-256}
cores=$(nproc)
workers=${TSFM_TRAIN_WORKERS:-$(( cores > 3 ? cores - 2 : 1 ))}
probe=${TSFM_TRAIN_PROBE:-30}
run="$family-$config"
dest=${OUT:+$OUT/runs}
dest=${dest:-$PWD/runs}
mkdir -p "$dest/$run"
logf="$dest/$run/gpu-train.log"
t0=$(date +%s)
say() { printf '%s\n' "$*" | tee -a "$logf" >&2; }
say "gpu-train: $family $config, $minutes min, device $device, batch $batch, $workers data workers, seed $seed"
"$PY" - "$device" <<'PYEOF' 2>&1 | tee -a "$logf" >&2
import sys, torch
d = sys.argv[1]
print(f"torch {torch.__version__}; cuda available {torch.cuda.is_available()}"
      + (f"; {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""))
if d.startswith("cuda") and not torch.cuda.is_available():
    sys.exit("gpu-train: no CUDA device visible to torch")
PYEOF
if [[ "$device" == cuda* ]]; then export TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1; fi
export PYTHONPATH=. OMP_NUM_THREADS=1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
train() { "$PY" -m toolchain.training.train --family "$family" --config "$config" --device "$device" --workers "$workers" \
  --batch "$batch" --seed "$seed" --threads 2 "$@"; }
# 1. Probe: the same model and data for a few steps (also a smoke test of the device path).
train --out "$scratch/probe" --steps 100000 --stop-after "$probe" >>"$logf" 2>&1 || { say "gpu-train: the probe failed (see $logf)"; tail -30 "$logf" >&2; exit 1; }
rate=$("$PY" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if "steps_per_s" in l]
recs = recs[1:] or recs  # the first record pays for start-up
print(sum(r["steps_per_s"] for r in recs) / len(recs))' "$scratch/probe/log.jsonl")
elapsed=$(( $(date +%s) - t0 ))
steps=$("$PY" -c "import sys; r, m, e = map(float, sys.argv[1:]); print(max(1, int(r * max(0.0, m * 60 - e) * 0.85)))" "$rate" "$minutes" "$elapsed")
say "gpu-train: probe $rate steps/s after ${elapsed} s; the run gets $steps steps"
# 2. The run: its schedule spans $steps; --max-minutes is the safety net.
left=$("$PY" -c "import sys; print(max(0.1, float(sys.argv[1]) - float(sys.argv[2]) / 60))" "$minutes" "$(( $(date +%s) - t0 ))")
train --out "$dest/$run" --steps "$steps" --max-minutes "$left" 2>&1 | tee -a "$logf" >&2
say "gpu-train: done in $(( $(date +%s) - t0 )) s; run directory $dest/$run"
