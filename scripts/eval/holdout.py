"""Held-out windows for choosing between checkpoints without the test windows: the last one and two
horizons of every eval series' TRAINING part (the windows per-series context selection scores).

  python3 scripts/eval/holdout.py series [W]        # .tmp/eval/series -> .tmp/eval/holdout/val{1..W}/series (W = 2)
  node dist/scripts/eval/run-models.js --models ID --models-dir DIR --series .tmp/eval/holdout/val1/series --out OUT1
  (the same for val2), then
  python3 scripts/eval/holdout.py score OUT1/ID,OUT2/ID REF1/ID,REF2/ID [--by-dataset | --by-length]

(`bash scripts/eval/candidate.sh RUN_DIR ID` does all of it for a training run against the shipped
model ID, with the shipped model's serving settings.)

`spread` (`python3 scripts/eval/holdout.py spread DIR1/ID,DIR2/ID`) asks whether a model's quantiles are
too wide or too narrow: each forecast's quantiles moved towards or away from its median by a factor
(median + f · (q − median)), everywhere or chosen per series on the window before (val2 for val1),
against the forecasts as they are (relative WQL, the geometric mean over datasets × windows).

`score` prints the geometric mean over datasets × windows of the candidate's WQL (9 levels, pooled
per dataset) and of its mean scaled absolute error of the median (scale: mean |first difference| of
the window's history), each divided by the reference's, both over the series both of them forecast:
< 1 means the candidate is better. `--by-dataset` also prints both ratios per dataset and window;
`--by-length` prints the WQL ratio per dataset and window within each band of history length (the
points before the window: < 40, 40-79, 80-149, >= 150), to tell where two models differ."""
import glob
import json
import os
import sys

import numpy as np

from wql import pinball_sums, wql

SRC, OUT = ".tmp/eval/series", ".tmp/eval/holdout"


def write_series(windows=2):
    for w in range(1, windows + 1):
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
            text, path = json.dumps({**d, "series": keep}), os.path.join(out, os.path.basename(f))
            # unchanged files keep their mtime, so the model forecasts cached for them stay valid
            if not (os.path.exists(path) and open(path).read() == text):
                with open(path, "w") as fh:
                    fh.write(text)
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


LENGTH_BANDS = (0, 40, 80, 150)


def by_length(cands, refs, bands=LENGTH_BANDS, series_dir=OUT):
    """{(window, dataset): [(band label, series, WQL ratio)]}: the candidate's WQL over the reference's on
    the series of each band of history length (both forecast), per dataset and window."""
    out = {}
    for w, (c, r) in enumerate(zip(cands, refs), 1):
        for f in sorted(glob.glob(f"{c}/*.json")):
            name = os.path.basename(f)
            qc, qr = quantiles(f), quantiles(f"{r}/{name}")
            series = f"{series_dir}/val{w}/series/{name}"
            length = {s["id"]: len(s["v"]) for s in json.load(open(series))["series"]}
            ids = [k for k in qc.keys() & qr.keys() if k in length]
            rows = []
            for i, lo in enumerate(bands):
                hi = bands[i + 1] if i + 1 < len(bands) else None
                band = [k for k in ids if length[k] >= lo and (hi is None or length[k] < hi)]
                if band:
                    label = f"{lo}-{hi - 1}" if hi is not None else f">={lo}"
                    rows.append((label, len(band), metrics(qc, series, band)[0] / metrics(qr, series, band)[0]))
            out[(w, name[:-5])] = rows
    return out


FACTORS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)


def widen(q, f):
    """Quantiles moved towards (f < 1) or away from (f > 1) their median, the middle level."""
    q = np.asarray(q, float)
    m = q[:, q.shape[1] // 2, None]
    return m + f * (q - m)


def spread(forecasts, factors=FACTORS, series_dir=OUT):
    """{label: relative WQL}: every global factor over both windows, and 'per series' (val1 only: each
    series' factor is the one with the lowest pinball loss on its val2 window) against val1 as it is."""
    lw = {f: [] for f in factors}
    for w, d in enumerate(forecasts, 1):
        for path in sorted(glob.glob(f"{d}/*.json")):
            # Each dataset-window's forecasts and reference WQL once, then every factor against them.
            q = quantiles(path)
            ids = [k for k in q if np.asarray(q[k]).ndim == 2]
            series = f"{series_dir}/val{w}/series/{os.path.basename(path)}"
            ref = metrics(q, series, ids)[0]
            for f in factors:
                lw[f].append(np.log(metrics({k: widen(q[k], f) for k in ids}, series, ids)[0] / ref))
    out = {f"x{f:g}": float(np.exp(np.mean(v))) for f, v in lw.items()}
    lw = []
    for path in sorted(glob.glob(f"{forecasts[0]}/*.json")):
        name = os.path.basename(path)
        q1, q2 = quantiles(path), quantiles(f"{forecasts[1]}/{name}")
        before = {s["id"]: s["testY"] for s in json.load(open(f"{series_dir}/val2/series/{name}"))["series"]}
        ids = [k for k in q1 if k in q2 and np.asarray(q1[k]).ndim == 2 and np.asarray(q2[k]).ndim == 2]
        pick = {k: factors[int(np.argmin([pinball_sums(before[k], widen(q2[k], f))[0].sum() for f in factors]))] for k in ids}
        series = f"{series_dir}/val1/series/{name}"
        a = metrics({k: widen(q1[k], pick[k]) for k in ids}, series, ids)[0]
        lw.append(np.log(a / metrics(q1, series, ids)[0]))
    out["per series (val1)"] = float(np.exp(np.mean(lw)))
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["series"]:
        write_series(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    elif sys.argv[1:2] == ["spread"] and len(sys.argv) == 3 and len(sys.argv[2].split(",")) == 2:
        for k, v in spread(sys.argv[2].split(",")).items():
            print(f"{k}: relative WQL {v:.4f}")
    elif sys.argv[1:2] == ["score"] and sys.argv[4:] == ["--by-length"] and len(sys.argv) == 5:
        per_band = {}
        for (w, name), rows in by_length(sys.argv[2].split(","), sys.argv[3].split(",")).items():
            print(f"val{w} {name}: " + ", ".join(f"length {b}: WQL {v:.4f} ({n} series)" for b, n, v in rows))
            for b, n, v in rows:
                per_band.setdefault(b, []).append(np.log(v))
        for b, v in sorted(per_band.items(), key=lambda kv: int(kv[0].lstrip(">=").split("-")[0])):
            print(f"length {b}: relative WQL {np.exp(np.mean(v)):.4f} over {len(v)} dataset-windows")
    elif sys.argv[1:2] == ["score"] and len(sys.argv) in (4, 5) and sys.argv[4:] in ([], ["--by-dataset"]):
        score(sys.argv[2].split(","), sys.argv[3].split(","), by_dataset=sys.argv[4:] == ["--by-dataset"])
    else:
        sys.exit(__doc__)
