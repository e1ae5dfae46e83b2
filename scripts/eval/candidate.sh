#!/usr/bin/env bash
# Scores a training run against the shipped model of the same id on the held-out windows
# (scripts/eval/holdout.py: the last one and two horizons of every eval series' training part; the
# test windows are never read), served with the shipped model's settings (manifest defaultContext,
# negationEnsemble, contextSelection, seasonalAdjustment, scalePeriods, contextPadding) through the real pipeline
# (dist/scripts/eval/run-models.js).
#
#   bash scripts/eval/candidate.sh models/runs/RUN ssm-small     (RUN: a training run with its ckpt.pt)
#
# prints "relative WQL x, relative scaled MAE y over N dataset-windows" (< 1: the run is better).
# The shipped model's forecasts are cached under .tmp/eval/holdout/ref/<id>-<entry key>-<pipeline key>/,
# the candidate's written to .tmp/eval/holdout/cand/<run name>/ (its export there too).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { sed -n 2,12p "$0" >&2; exit 2; }
RUN=$(realpath "$1"); ID=$2
PY=${PYTHON:-/usr/bin/python3}
export ONNXRUNTIME_NODE_INSTALL=skip
[ -f "$RUN/ckpt.pt" ] || { echo "no $RUN/ckpt.pt" >&2; exit 2; }
# Serving settings of the shipped model as export flags, and a key of its whole manifest entry (weights'
# sha256 and settings: the reference cache key).
read -r SHA FLAGS < <("$PY" - "$ID" <<'EOF'
import json, sys
e = next((m for m in json.load(open("models/manifest.json"))["models"] if m["id"] == sys.argv[1]), None)
if e is None:
    sys.exit(f"{sys.argv[1]} is not in models/manifest.json")
f = []
if "defaultContext" in e:
    f += ["--default-context", str(e["defaultContext"])]
if e.get("negationEnsemble"):
    f += ["--negation-ensemble"]
cs = e.get("contextSelection")
if cs:
    f += ["--context-selection", ",".join(map(str, cs["candidates"])), "--context-selection-top", str(cs["top"]),
          "--context-selection-windows", str(cs["windows"])]
sa = e.get("seasonalAdjustment")
if sa:
    f += ["--seasonal-adjustment", str(sa["cycles"])]
    if sa.get("additive") is not None:
        f += ["--seasonal-adjustment-additive", str(sa["additive"])]
if e.get("scalePeriods"):
    f += ["--scale-periods", ",".join(f"{m}:{p}" for m, p in e["scalePeriods"].items())]
if e.get("contextPadding"):
    f += ["--context-padding", str(e["contextPadding"]["minPatches"])]
import hashlib
print(hashlib.sha256(json.dumps(e, sort_keys=True).encode()).hexdigest()[:12], " ".join(f))
EOF
)
[ -d .tmp/eval/series ] || "$PY" scripts/eval/data.py
[ -d .tmp/eval/holdout/val2/series ] || "$PY" scripts/eval/holdout.py series
npx tsc -p scripts/eval/tsconfig.json
# The reference's cache key: the shipped model's entry and the content of the pipeline's build and
# of the held-out series (tsc rewrites unchanged files, so not their mtimes).
KEY=$(find dist/libs dist/scripts/eval .tmp/eval/holdout/val1/series .tmp/eval/holdout/val2/series -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
REF=.tmp/eval/holdout/ref/$ID-$SHA-$KEY
if [ ! -f "$REF/done" ]; then
  for w in 1 2; do node dist/scripts/eval/run-models.js --models "$ID" --series .tmp/eval/holdout/val$w/series --out "$REF/val$w"; done
  touch "$REF/done"
fi
CAND=$PWD/.tmp/eval/holdout/cand/$(basename "$RUN")
rm -rf "$CAND"
mkdir -p "$CAND/models"
# The candidate's models directory: the shipped files by link, the candidate's own exported there.
for f in models/*.onnx models/*.safetensors; do ln -s "$PWD/$f" "$CAND/models/"; done
cp models/manifest.json "$CAND/models/"
rm -f "$CAND/models/$ID.onnx" "$CAND/models/$ID.head.safetensors"
# shellcheck disable=SC2086 # FLAGS is a list of words
(cd models && PYTHONPATH=. "$PY" -W ignore -m toolchain.training.export --run "$RUN" --id "$ID" --out "$CAND/models" --no-fixtures $FLAGS | tail -1)
for w in 1 2; do node dist/scripts/eval/run-models.js --models "$ID" --models-dir "$CAND/models" --series .tmp/eval/holdout/val$w/series --out "$CAND/val$w"; done
"$PY" scripts/eval/holdout.py score "$CAND/val1/$ID,$CAND/val2/$ID" "$REF/val1/$ID,$REF/val2/$ID"
