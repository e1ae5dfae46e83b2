"""Writes the fixed real subsets that test/models/accuracy.spec.ts runs, values with their start
timestamp (a regular grid, no gaps), to models/fixtures/accuracy/:

* m4_hourly_50.json: 50 M4 hourly series (every 8th of the 414 in file order, the first 50); the last
  48 points of each are the official M4 test;
* m3_yearly_50.json: 50 M3 yearly series (every 12th of the 645 in file order, the first 50), 14-41
  points long, shorter than or about one xlstm patch; the last 6 points are the official M3 test.

  TSFM_EVAL_DATA=/path/to/data /usr/bin/python3 scripts/eval/accuracy_subsets.py"""
import json
import os

import numpy as np
import pandas as pd

from eval_data import data_dir

DATA = data_dir()
OUT = "models/fixtures/accuracy"


def write_subset(csv, every, count, step_ok, meta, out):
    df = pd.read_csv(os.path.join(DATA, csv), dtype={"series_id": str})
    ids = list(dict.fromkeys(df["series_id"]))[::every][:count]
    series = []
    for sid, g in df.groupby("series_id", sort=False):
        if sid not in ids:
            continue
        t = pd.to_datetime(g["timestamp"], utc=True)
        assert step_ok(t), f"{sid}: not a regular grid"
        assert g["value"].notna().all(), f"{sid}: missing values"
        series.append({"id": sid, "start": t.iloc[0].isoformat().replace("+00:00", "Z"), "values": [float(v) for v in g["value"]]})
    series.sort(key=lambda s: ids.index(s["id"]))
    path = os.path.join(OUT, out)
    os.makedirs(OUT, exist_ok=True)
    with open(path, "w") as f:
        json.dump({**meta, "series": series}, f, separators=(",", ":"))
    print(path, len(series), os.path.getsize(path))


if __name__ == "__main__":
    write_subset("m4/m4_hourly.csv", 8, 50, lambda t: (np.diff(t.view("int64")) == 3_600_000_000_000).all(),
                 {"source": "M4 Hourly (github:Mcompetitions/M4-methods@6c1067e Dataset/Train/Hourly-train.csv + Dataset/Test/Hourly-test.csv, as m4/m4_hourly.csv of the eval data); every 8th series, first 50",
                  "frequency": "h", "horizon": 48, "season": 24}, "m4_hourly_50.json")
    write_subset("m3/m3_yearly.csv", 12, 50, lambda t: ((t.dt.month == 1) & (t.dt.day == 1)).all() and (np.diff(t.dt.year) == 1).all(),
                 {"source": "M3 Yearly (github:robjhyndman/Mcomp@34f3b41 data/M3.rda, as m3/m3_yearly.csv of the eval data); every 12th series, first 50",
                  "frequency": "Y", "horizon": 6, "season": 1}, "m3_yearly_50.json")
