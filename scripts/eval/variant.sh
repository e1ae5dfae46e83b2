#!/usr/bin/env bash
# Scores a serving variant of a shipped model on the held-out windows (scripts/eval/holdout.py: the
# last one and two horizons of every eval series' training part; the test windows are never read):
# the same weights, with manifest fields of its entry replaced (a null value removes the field),
# against a reference variant (default: the shipped entry as it is), through the real pipeline.
#
#   bash scripts/eval/variant.sh xlstm-small '{"seasonalAdjustment": {"cycles": 6}}' '{"seasonalAdjustment": null}'
#
# prints "relative WQL x, relative scaled MAE y over N dataset-windows" (< 1: the variant is better);
# a 4th argument --by-dataset also prints the ratios per dataset and window. Forecasts go to
# .tmp/eval/holdout/variant/<id>-<hash of the fields>/.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] && [ $# -le 4 ] || { sed -n 2,11p "$0" >&2; exit 2; }
ID=$1; CAND=$2; REF=${3:-'{}'}; BY=${4:-}
PY=${PYTHON:-/usr/bin/python3}
export ONNXRUNTIME_NODE_INSTALL=skip
[ -d .tmp/eval/series ] || "$PY" scripts/eval/data.py
[ -d .tmp/eval/holdout/val2/series ] || "$PY" scripts/eval/holdout.py series
npx tsc -p scripts/eval/tsconfig.json
# Writes a models directory (the shipped files by link, the manifest with ID's fields replaced) and prints it.
models_dir() {
  "$PY" - "$ID" "$1" <<'EOF'
import hashlib, json, os, sys
mid, patch = sys.argv[1], json.loads(sys.argv[2])
if not isinstance(patch, dict):
    sys.exit("the fields must be a JSON object")
m = json.load(open("models/manifest.json"))
e = next((x for x in m["models"] if x["id"] == mid), None)
if e is None:
    sys.exit(f"{mid} is not in models/manifest.json")
for k, v in patch.items():
    if v is None:
        e.pop(k, None)
    else:
        e[k] = v
key = hashlib.sha256(json.dumps(patch, sort_keys=True).encode()).hexdigest()[:12]
d = os.path.abspath(f".tmp/eval/holdout/variant/{mid}-{key}")
os.makedirs(f"{d}/models", exist_ok=True)
for f in os.listdir("models"):
    if f.endswith((".onnx", ".safetensors")) and not os.path.lexists(f"{d}/models/{f}"):
        os.symlink(os.path.abspath(f"models/{f}"), f"{d}/models/{f}")
json.dump(m, open(f"{d}/models/manifest.json", "w"), indent=2)
print(d)
EOF
}
C=$(models_dir "$CAND")
R=$(models_dir "$REF")
for d in "$C" "$R"; do
  for w in 1 2; do node dist/scripts/eval/run-models.js --models "$ID" --models-dir "$d/models" --series .tmp/eval/holdout/val$w/series --out "$d/val$w" >/dev/null; done
done
"$PY" scripts/eval/holdout.py score "$C/val1/$ID,$C/val2/$ID" "$R/val1/$ID,$R/val2/$ID" $BY
