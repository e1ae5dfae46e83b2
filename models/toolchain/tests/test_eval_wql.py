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


def dataset(rng, n, scale=1.5):
    series, fc = [], []
    for i in range(n):
        y = rng.normal(10, 2, 6)
        q = np.sort(rng.normal(10 + i, 2, (6, 9)), axis=1)
        series.append({"id": f"s{i}", "testY": y.tolist(), "scale": scale if i else 0.0})
        fc.append({"id": f"s{i}", "q": q.tolist()})
    return {"series": series}, {"series": fc}


def test_aggregate_with_counts_equals_the_repeated_dataset():
    """A bootstrap draw counts series several times: the same MASE and WQL as a dataset that holds
    them that many times; counts of one are the plain metrics (series 0 has scale 0: not in MASE)."""
    report = load("report")
    d, fc = dataset(np.random.default_rng(1), 5)
    parts, subst = report.series_parts(d, fc, {})
    assert subst == 0 and np.isnan(parts["mase"][0]) and parts["pin"].shape == (5, 9)
    mase, wql = report.aggregate(parts)
    assert (mase[0], wql[0]) == pytest.approx(report.metrics(d, fc, {})[:2])
    counts = np.array([2, 0, 3, 1, 1])
    rep = {"series": [s for s, c in zip(d["series"], counts) for _ in range(c)]}
    rep_fc = {"series": fc["series"]}
    m2, w2 = report.aggregate(parts, counts)
    assert (m2[0], w2[0]) == pytest.approx(report.metrics(rep, rep_fc, {})[:2], rel=1e-12)


def test_bootstrap_is_paired_and_brackets_the_estimate():
    report = load("report")
    rng = np.random.default_rng(2)
    parts, ref = {"a": {}, "b": {}}, {}
    for k in range(3):
        d, fc = dataset(rng, 30)
        ref[f"d{k}"] = report.series_parts(d, fc, {})[0]
        for m, shift in (("a", 0.0), ("b", 1.0)):
            fcm = {"series": [{"id": x["id"], "q": (np.array(x["q"]) * 0.9 + shift).tolist()} for x in fc["series"]]}
            parts[m][f"d{k}"] = report.series_parts(d, fcm, {})[0]
    boot = report.bootstrap(parts, ref, resamples=400, seed=0)
    again = report.bootstrap(parts, ref, resamples=400, seed=0)
    assert np.array_equal(boot["a"]["relWql"], again["a"]["relWql"])  # seeded
    point = np.exp(np.mean([np.log(report.aggregate(parts["a"][n])[1][0] / report.aggregate(ref[n])[1][0]) for n in ref]))
    lo, hi = np.percentile(boot["a"]["relWql"], [5, 95])
    assert lo < point < hi and hi - lo > 0.005
    # Paired draws: the same series in every method, so the ratio of two methods varies less than either.
    ratio = boot["a"]["relWql"] / boot["b"]["relWql"]
    assert np.std(np.log(ratio)) < np.std(np.log(boot["a"]["relWql"]))
    # The reference against itself is exactly 1 in every draw.
    self_boot = report.bootstrap({"r": ref}, ref, resamples=50)
    assert np.allclose(self_boot["r"]["relWql"], 1.0) and np.allclose(self_boot["r"]["relMase"], 1.0)


def test_bootstrap_keeps_small_datasets_fixed():
    """A dataset of fewer than min_series series is the same in every draw: with only such datasets
    every draw equals the point estimate."""
    report = load("report")
    rng = np.random.default_rng(3)
    d, fc = dataset(rng, 6)
    ref = {"d": report.series_parts(d, fc, {})[0]}
    other = {"series": [{"id": x["id"], "q": (np.array(x["q"]) + 0.5).tolist()} for x in fc["series"]]}
    parts = {"a": {"d": report.series_parts(d, other, {})[0]}}
    point = report.aggregate(parts["a"]["d"])[1][0] / report.aggregate(ref["d"])[1][0]
    fixed = report.bootstrap(parts, ref, resamples=30, min_series=7)["a"]["relWql"]
    assert np.allclose(fixed, point)
    drawn = report.bootstrap(parts, ref, resamples=30, min_series=6)["a"]["relWql"]
    assert np.std(drawn) > 1e-4


def test_holdout_spread_finds_quantiles_twice_too_wide(tmp_path):
    """holdout.py spread: forecasts whose quantiles are twice as far from the median as the truth's
    (Gaussian noise, sigma 1, forecast with sigma 2) measure best narrowed by about half, exactly 1 as
    they are, and the per-series choice on the window before narrows them too."""
    holdout = load("holdout")
    rng = np.random.default_rng(3)
    z = np.array([-1.2816, -0.8416, -0.5244, -0.2533, 0, 0.2533, 0.5244, 0.8416, 1.2816])
    q = holdout.widen([[0, 1, 2], [3, 5, 9]], 0.5)
    assert q.tolist() == [[0.5, 1, 1.5], [4, 5, 7]]
    dirs = []
    for w in (1, 2):
        sdir, fdir = tmp_path / f"val{w}" / "series", tmp_path / f"f{w}"
        sdir.mkdir(parents=True)
        fdir.mkdir()
        series, fc = [], []
        for i in range(60):
            y = 20 + rng.normal(0, 1, 12)
            series.append({"id": f"s{i}", "v": (20 + rng.normal(0, 1, 30)).tolist(), "testY": y.tolist()})
            fc.append({"id": f"s{i}", "q": (20 + 2 * z[None, :] * np.ones((12, 1))).tolist()})
        (sdir / "d.json").write_text(json.dumps({"series": series}))
        (fdir / "d.json").write_text(json.dumps({"series": fc}))
        dirs.append(str(fdir))
    r = holdout.spread(dirs, series_dir=str(tmp_path))
    assert r["x1"] == pytest.approx(1.0, abs=1e-12)
    best = min((k for k in r if k.startswith("x")), key=r.get)
    assert best in ("x0.5", "x0.6")
    assert r[best] < 0.95 and r["x2"] > 1.05
    assert r["per series (val1)"] < 0.97


def test_holdout_by_length_finds_the_band_where_a_model_is_worse(tmp_path):
    """holdout.py score --by-length: a candidate whose median is off by 3 on the series with 30 points of
    history and exact on the 200-point ones measures worse on the short band only, exactly 1 on the long."""
    holdout = load("holdout")
    rng = np.random.default_rng(5)
    cands, refs = [], []
    for w in (1, 2):
        sdir = tmp_path / f"val{w}" / "series"
        sdir.mkdir(parents=True)
        series, fc, fr = [], [], []
        for i in range(40):
            n = 30 if i % 2 else 200
            y = 50 + rng.normal(0, 1, 6)
            series.append({"id": f"s{i}", "v": [50.0] * n, "testY": y.tolist()})
            ref = (50 + np.linspace(-1.3, 1.3, 9)[None, :] * np.ones((6, 1)))
            fr.append({"id": f"s{i}", "q": ref.tolist()})
            fc.append({"id": f"s{i}", "q": (ref + (3 if n == 30 else 0)).tolist()})
        (sdir / "d.json").write_text(json.dumps({"series": series}))
        for d, f in (("c", fc), ("r", fr)):
            (tmp_path / f"{d}{w}").mkdir()
            (tmp_path / f"{d}{w}" / "d.json").write_text(json.dumps({"series": f}))
        cands.append(str(tmp_path / f"c{w}"))
        refs.append(str(tmp_path / f"r{w}"))
    out = holdout.by_length(cands, refs, series_dir=str(tmp_path))
    assert sorted(out) == [(1, "d"), (2, "d")]
    for rows in out.values():
        bands = {b: (n, v) for b, n, v in rows}
        assert sorted(bands) == ["0-39", ">=150"]
        assert bands["0-39"][0] == bands[">=150"][0] == 20
        assert bands[">=150"][1] == pytest.approx(1.0, abs=1e-12)
        assert bands["0-39"][1] > 2
