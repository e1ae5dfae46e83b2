"""Writes the fixed real subset that test/models/accuracy.spec.ts runs: 50 M4 hourly series (every
8th of the 414 in file order, the first 50), values with their start timestamp (hourly, no gaps),
to models/fixtures/accuracy/m4_hourly_50.json. The last 48 points of each are the official M4 test."""
import json
import os

import numpy as np
import pandas as pd

DATA = os.environ.get("TSFM_EVAL_DATA", "/work/shared/data")
OUT = "models/fixtures/accuracy/m4_hourly_50.json"

df = pd.read_csv(os.path.join(DATA, "m4/m4_hourly.csv"))
ids = list(dict.fromkeys(df["series_id"]))[::8][:50]
series = []
for sid, g in df.groupby("series_id", sort=False):
    if sid not in ids:
        continue
    t = pd.to_datetime(g["timestamp"], utc=True)
    assert (np.diff(t.view("int64")) == 3_600_000_000_000).all()
    series.append({"id": sid, "start": t.iloc[0].isoformat().replace("+00:00", "Z"), "values": [float(v) for v in g["value"]]})
series.sort(key=lambda s: ids.index(s["id"]))
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"source": "M4 Hourly (github:Mcompetitions/M4-methods@6c1067e via /work/shared/data/m4/m4_hourly.csv); every 8th series, first 50",
               "frequency": "h", "horizon": 48, "season": 24, "series": series}, f, separators=(",", ":"))
print(OUT, len(series), os.path.getsize(OUT))
