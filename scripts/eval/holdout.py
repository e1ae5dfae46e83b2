"""Held-out windows for choosing between checkpoints without the test windows: the last one and two
horizons of every eval series' TRAINING part (the windows per-series context selection scores).

  python3 scripts/eval/holdout.py series            # .tmp/eval/series -> .tmp/eval/holdout/val{1,2}/series
  node dist/scripts/eval/run-models.js --models ID --models-dir DIR --series .tmp/eval/holdout/val1/series --out OUT1
  (the same for val2), then
  python3 scripts/eval/holdout.py score OUT1/ID,OUT2/ID REF1/ID,REF2/ID [--by-dataset]

(`bash scripts/eval/candidate.sh RUN_DIR ID` does all of it for a training run against the shipped
model ID, with the shipped model's serving settings.)

`score` prints the geometric mean over datasets × windows of the candidate's WQL (9 levels, pooled
per dataset) and of its mean scaled absolute error of the median (scale: mean |first difference| of
the window's history), each divided by the reference's, both over the series both of them forecast:
< 1 means the candidate is better. `--by-dataset` also prints both ratios per dataset and window."""
import glob
import json
import os
import sys

import numpy as np

from wql import pinball_sums, wql

SRC, OUT = ".tmp/eval/series", ".tmp/eval/holdout"


def write_series():
    for w in (1, 2):
        out = f"{OUT}/val{w}/series"
        os.makedirs(out, exist_ok=True)
        for f in glob.glob(f"{SRC}/*.json"):
            d = json.load(open(f))
            H, keep = d["H"], []
            for s in d["series"]:
                n = len(s["v"]) - w * H
                if n < 3:
                    continue
                keep.append({**s, "t": s["t"][:n], "v": s["v"][:n], "testT": s["t"][n:n + H], "testY": s["v"][n:n + H]})
            json.dump({**d, "series": keep}, open(os.path.join(out, os.path.basename(f)), "w"))
        print(out)


def quantiles(forecasts):
    """id -> quantiles of the series that have a forecast (a failed series has none)."""
    return {s["id"]: s["q"] for s in json.load(open(forecasts))["series"] if s.get("q") is not None}


def metrics(quants, series, ids):
    """(WQL, mean scaled absolute error of the median) over the series in `ids`."""
    S = {s["id"]: s for s in json.load(open(series))["series"]}
    pin, absy, err = np.zeros(9), 0.0, []
    for sid in sorted(ids):
        q = np.array(quants[sid], float)
        y = np.array(S[sid]["testY"], float)
        ok = ~np.isnan(y)
        if q.ndim != 2 or not ok.any():
            continue
        n, a = pinball_sums(y, q)
        pin += n
        absy += a
        v = np.array(S[sid]["v"], float)
        err.append(np.abs(y[ok] - q[ok, 4]).mean() / (np.nanmean(np.abs(np.diff(v))) + 1e-9))
    return wql(pin, absy), float(np.mean(err))


def score(cands, refs, by_dataset=False):
    lw, lm = [], []
    for w, (c, r) in enumerate(zip(cands, refs), 1):
        for f in sorted(glob.glob(f"{c}/*.json")):
            name = os.path.basename(f)
            qc, qr = quantiles(f), quantiles(f"{r}/{name}")
            # Both on the series both forecast, so a series only one of them failed on cannot tilt the ratio.
            ids = qc.keys() & qr.keys()
            series = f"{OUT}/val{w}/series/{name}"
            a, b = metrics(qc, series, ids), metrics(qr, series, ids)
            lw.append(np.log(a[0] / b[0]))
            lm.append(np.log(a[1] / b[1]))
            if by_dataset:
                print(f"val{w} {name[:-5]}: WQL {a[0] / b[0]:.4f}, scaled MAE {a[1] / b[1]:.4f} ({len(ids)} series)")
    print(f"relative WQL {np.exp(np.mean(lw)):.4f}, relative scaled MAE {np.exp(np.mean(lm)):.4f} over {len(lw)} dataset-windows")


if __name__ == "__main__":
    if sys.argv[1:2] == ["series"]:
        write_series()
    elif sys.argv[1:2] == ["score"] and len(sys.argv) in (4, 5) and sys.argv[4:] in ([], ["--by-dataset"]):
        score(sys.argv[2].split(","), sys.argv[3].split(","), by_dataset=sys.argv[4:] == ["--by-dataset"])
    else:
        sys.exit(__doc__)
