"""Evaluation series from the data folder TSFM_EVAL_DATA (its datasets.csv; see eval_data.py): per dataset a deterministic subset of
series, each split into train and test = its last H observed points, written to
.tmp/eval/series/<dataset>.json for the model runner (Node) and the baselines (Python).

Subset and windowing rules (documented in docs/ACCURACY.md):
* at most MAX_SERIES series per dataset: every k-th series in file order, k = ceil(n / MAX_SERIES);
  multivariate datasets: every column is a univariate series;
* test window = the last H observed rows of each series (H = datasets.csv `horizon`);
* models get the last MODEL_ROWS raw training rows (timestamps as in the file, gaps and NaN kept:
  the service regularises them itself); baselines get the last BASELINE_CONTEXT points of the
  training part on a regular grid (missing timestamps inserted, NaN forward-filled, leading NaN
  back-filled) and the grid step of each test timestamp;
* MASE scale = mean |y_t - y_{t-m}| over the WHOLE training part on the regular grid (pairs with a
  missing value skipped); series whose scale is 0 or undefined are left out of MASE (kept in WQL).
"""
import argparse
import json
import math
import os

import numpy as np
import pandas as pd

from eval_data import data_dir

DATA = data_dir()
MAX_SERIES = 100
MODEL_ROWS = 8192       # >= 4 x the largest model context (the service reads contextLength x 4 rows)
BASELINE_CONTEXT = 2048
# datasets.csv freq -> (service frequency label, pandas offset for the regular grid)
FREQ = {
    "hourly": ("h", "1h"), "half-hourly": ("30min", "30min"), "5-minute": ("5min", "5min"), "daily": ("D", "1D"),
    "weekly": ("W", "7D"), "monthly": ("M", "MS"), "quarterly": ("Q", "QS"), "yearly": ("Y", "YS"),
}


def dataset_name(file):
    return os.path.splitext(os.path.basename(file))[0]


def to_ms(ts):
    """ISO strings (naive = UTC; with offsets kept) -> epoch milliseconds."""
    t = pd.to_datetime(ts, utc=True)
    return (t.view("int64") // 1_000_000).astype(np.int64)


def regular_grid(ms, values, offset):
    """Values reindexed onto the regular grid from the first to the last timestamp (NaN where a
    timestamp is missing); returns (grid ms, values)."""
    idx = pd.to_datetime(ms, unit="ms", utc=True)
    s = pd.Series(values, index=idx)
    s = s[~s.index.duplicated(keep="last")]
    if offset in ("MS", "QS", "YS"):
        full = pd.date_range(idx[0], idx[-1], freq=offset)
    else:
        full = pd.date_range(idx[0], idx[-1], freq=pd.Timedelta(offset))
    g = s.reindex(full)
    return (full.view("int64") // 1_000_000).astype(np.int64), g.to_numpy(dtype=float)


def mase_scale(y, m):
    if len(y) <= m:
        return None
    d = np.abs(y[m:] - y[:-m])
    d = d[~np.isnan(d)]
    if not len(d):
        return None
    s = float(d.mean())
    return s if s > 0 else None


def fill(y):
    s = pd.Series(y).ffill().bfill()
    return s.to_numpy(dtype=float)


def prepare(row, max_series):
    df = pd.read_csv(os.path.join(DATA, row["file"]), dtype={"series_id": str})
    ids = list(dict.fromkeys(df["series_id"]))
    k = max(1, math.ceil(len(ids) / max_series))
    chosen = ids[::k]
    H, m = int(row["horizon"]), int(row["season"])
    label, offset = FREQ[row["freq"]]
    out = []
    groups = df.groupby("series_id", sort=False)
    for sid in chosen:
        g = groups.get_group(sid)
        ms = to_ms(g["timestamp"].to_numpy())
        y = g["value"].to_numpy(dtype=float)
        tr_ms, tr_y, te_ms, te_y = ms[:-H], y[:-H], ms[-H:], y[-H:]
        grid_ms, grid_y = regular_grid(ms, y, offset)
        n_train_grid = int(np.searchsorted(grid_ms, tr_ms[-1], side="right"))
        steps = (np.searchsorted(grid_ms, te_ms) - (n_train_grid - 1)).tolist()
        assert np.array_equal(grid_ms[np.searchsorted(grid_ms, te_ms)], te_ms), f"{sid}: test stamps off the grid"
        train_grid = grid_y[:n_train_grid]
        out.append({
            "id": str(sid),
            "t": tr_ms[-MODEL_ROWS:].tolist(),
            "v": [None if np.isnan(x) else float(x) for x in tr_y[-MODEL_ROWS:]],
            "testT": te_ms.tolist(),
            "testY": [None if np.isnan(x) else float(x) for x in te_y],
            "testSteps": steps,
            "baseline": [float(x) for x in fill(train_grid[-BASELINE_CONTEXT:])],
            "baselineMissing": int(np.isnan(train_grid[-BASELINE_CONTEXT:]).sum()),
            "scale": mase_scale(train_grid, m),
            "trainLength": int(len(tr_y)),
        })
    regular = all(s["testSteps"] == list(range(1, H + 1)) for s in out)
    return {
        "dataset": dataset_name(row["file"]), "file": row["file"], "freq": row["freq"], "frequency": label, "H": H, "m": m,
        "seriesTotal": len(ids), "every": k, "series": out, "regularTest": regular,
    }


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".tmp/eval/series")
    ap.add_argument("--max-series", type=int, default=MAX_SERIES)
    ap.add_argument("--only", nargs="*", help="dataset names")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    rows = pd.read_csv(os.path.join(DATA, "datasets.csv"))
    for _, row in rows.iterrows():
        name = dataset_name(row["file"])
        if a.only and name not in a.only:
            continue
        path = os.path.join(a.out, f"{name}.json")
        if os.path.exists(path):
            with open(path) as f:
                head = json.load(f)
            if head.get("maxSeries") == a.max_series:
                continue
        d = prepare(row, a.max_series)
        d["maxSeries"] = a.max_series
        with open(path, "w") as f:
            json.dump(d, f)
        print(f"{name}: {len(d['series'])} of {d['seriesTotal']} series (every {d['every']}), H {d['H']}, m {d['m']}"
              f"{'' if d['regularTest'] else ', irregular: test stamps beyond 1..H grid steps'}")


if __name__ == "__main__":
    main()
