"""scripts/eval/wql.py: the WQL that report.py (test windows) and holdout.py (held-out windows) share."""
import importlib.util
import json
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.abspath(os.path.join(HERE, "..", "..", "..", "scripts", "eval"))


def load(name):
    sys.path.insert(0, EVAL)
    try:
        spec = importlib.util.spec_from_file_location(name, os.path.join(EVAL, f"{name}.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(EVAL)


def test_pinball_sums_by_hand():
    wql = load("wql")
    levels = np.array([0.1, 0.5, 0.9])
    y = [10.0, np.nan, 4.0]
    q = [[8.0, 9.0, 12.0], [0.0, 0.0, 0.0], [5.0, 6.0, 7.0]]
    num, den = wql.pinball_sums(y, q, levels)
    # step 1: d = 2, 1, -2 -> 0.2, 0.5, 0.2; step 3: d = -1, -2, -3 -> 0.9, 1.0, 0.3; step 2 is missing.
    assert num == pytest.approx([1.1, 1.5, 0.5]) and den == 14.0
    assert wql.wql(num, den) == pytest.approx(np.mean(2 * np.array([1.1, 1.5, 0.5]) / 14.0))
    assert np.isnan(wql.wql(num, 0.0))


def test_report_and_holdout_agree_on_a_dataset(tmp_path):
    rng = np.random.default_rng(0)
    series, fc = [], []
    for i in range(4):
        v = rng.normal(10, 2, 40)
        y = rng.normal(10, 2, 6)
        y[2] = np.nan if i == 1 else y[2]
        q = np.sort(rng.normal(10, 2, (6, 9)), axis=1)
        series.append({"id": f"s{i}", "v": v.tolist(), "testY": [None if np.isnan(x) else float(x) for x in y], "scale": 1.5})
        fc.append({"id": f"s{i}", "q": q.tolist()})
    report_wql = load("report").metrics({"series": series}, {"series": fc}, {})[1]
    f = tmp_path / "series.json"
    f.write_text(json.dumps({"series": [{**s, "testY": [np.nan if x is None else x for x in s["testY"]]} for s in series]}))
    holdout = load("holdout")
    holdout_wql = holdout.metrics({s["id"]: s["q"] for s in fc}, str(f), [s["id"] for s in fc])[0]
    assert report_wql == pytest.approx(holdout_wql, rel=1e-12)
    assert 0.05 < report_wql < 1.0
