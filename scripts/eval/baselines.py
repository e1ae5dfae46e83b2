"""Statistical baselines on the evaluation series (.tmp/eval/series/*.json) -> quantile forecasts at
the test points, cached in .tmp/eval/forecasts/<method>/<dataset>.json.

* naive: last value; quantiles from the in-sample one-step residual std, sd_h = sigma * sqrt(h).
* seasonal_naive: y[T+h-m*ceil(h/m)]; residual std of the m-step differences, sd_h = sigma * sqrt(ceil(h/m)).
* ets: statsmodels ETSModel, additive errors; per series the lowest-AICc of ANN, AAdN and (when m > 1
  and the context holds 2 full seasons) ANA, AAdA; seasonal models use heuristic initial states when
  m > 12 (too many states to estimate); quantiles from the analytic prediction variance (normal).
  A series where every fit fails falls back to naive (counted).
* theta: statsmodels ThetaModel (deseasonalised when m > 1 and 2 full seasons are present;
  multiplicative decomposition only for positive data); quantiles from its prediction intervals at
  80/60/40/20 % coverage and the point forecast as the median.
"""
import argparse
import json
import os
import time
import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm

LEVELS = np.round(np.arange(1, 10) / 10, 1)
Z = norm.ppf(LEVELS)
METHODS = ("naive", "seasonal_naive", "ets", "theta")


def sorted_q(mean, sd):
    """[n][9] normal quantiles."""
    return (np.asarray(mean)[:, None] + np.asarray(sd)[:, None] * Z[None, :])


def naive(y, m, steps):
    d = np.diff(y)
    sigma = float(np.sqrt(np.mean(d ** 2))) if len(d) else 0.0
    h = np.asarray(steps, float)
    return sorted_q(np.full(len(h), y[-1]), sigma * np.sqrt(h))


def seasonal_naive(y, m, steps):
    if len(y) < m:
        return naive(y, m, steps)
    d = y[m:] - y[:-m]
    sigma = float(np.sqrt(np.mean(d ** 2))) if len(d) else 0.0
    h = np.asarray(steps)
    k = np.ceil(h / m).astype(int)
    mean = y[len(y) + h - 1 - m * k]
    return sorted_q(mean, sigma * np.sqrt(k))


def ets(y, m, steps, stats):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    horizon = int(max(steps))
    seasonal = m > 1 and len(y) >= 2 * m + 2
    specs = [(None, False, None), ("add", True, None)]
    if seasonal:
        specs += [(None, False, "add"), ("add", True, "add")]
    best = None
    for trend, damped, season in specs:
        try:
            init = "heuristic" if season and m > 12 else "estimated"
            if init == "heuristic" and len(y) < 10 + 2 * (m // 2) + 2 * m:
                continue
            mod = ETSModel(pd.Series(y), error="add", trend=trend, damped_trend=damped, seasonal=season,
                           seasonal_periods=m if season else None, initialization_method=init)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = mod.fit(disp=False, maxiter=200)
            if not np.isfinite(res.aicc) and best is not None:
                continue
            if best is None or (np.isfinite(res.aicc) and res.aicc < best[0]):
                best = (res.aicc if np.isfinite(res.aicc) else np.inf, res)
        except Exception:  # noqa: BLE001 - a failed spec is skipped, the rest compete
            continue
    if best is None:
        stats["ets_fallback"] += 1
        return naive(y, m, steps)
    res = best[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = res.get_prediction(start=len(y), end=len(y) + horizon - 1)
        mean = np.asarray(pred.predicted_mean, float)
        var = np.asarray(pred.var_pred_mean, float)
    sd = np.sqrt(np.maximum(var, 0))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sd))):
        stats["ets_fallback"] += 1
        return naive(y, m, steps)
    idx = np.asarray(steps) - 1
    return sorted_q(mean[idx], sd[idx])


def theta(y, m, steps, stats):
    from statsmodels.tsa.forecasting.theta import ThetaModel
    horizon = int(max(steps))
    deseason = m > 1 and len(y) >= 2 * m
    method = "auto" if np.all(y > 0) else "additive"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ThetaModel(y, period=m if m > 1 else None, deseasonalize=deseason, method=method).fit()
            point = np.asarray(res.forecast(horizon))
            q = np.empty((horizon, 9))
            q[:, 4] = point
            for i, alpha in enumerate((0.8, 0.6, 0.4, 0.2)):  # central coverage 20..80 %, levels 0.4/0.6 .. 0.1/0.9
                pi = np.asarray(res.prediction_intervals(horizon, alpha=alpha))
                q[:, 3 - i], q[:, 5 + i] = pi[:, 0], pi[:, 1]
    except Exception:  # noqa: BLE001
        stats["theta_fallback"] += 1
        return naive(y, m, steps)
    if not np.all(np.isfinite(q)):
        stats["theta_fallback"] += 1
        return naive(y, m, steps)
    return q[np.asarray(steps) - 1]


def run(method, d):
    stats = {"ets_fallback": 0, "theta_fallback": 0}
    out = []
    t0 = time.time()
    for s in d["series"]:
        y = np.asarray(s["baseline"], float)
        m, steps = d["m"], s["testSteps"]
        if method == "naive":
            q = naive(y, m, steps)
        elif method == "seasonal_naive":
            q = seasonal_naive(y, m, steps)
        elif method == "ets":
            q = ets(y, m, steps, stats)
        else:
            q = theta(y, m, steps, stats)
        out.append({"id": s["id"], "q": np.sort(q, axis=1).round(6).tolist()})
    return {"method": method, "dataset": d["dataset"], "series": out, "failed": 0,
            "fallbacks": stats["ets_fallback"] + stats["theta_fallback"], "seconds": round(time.time() - t0, 2)}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", default=".tmp/eval/series")
    ap.add_argument("--out", default=".tmp/eval/forecasts")
    ap.add_argument("--methods", nargs="*", default=list(METHODS))
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args(argv)
    for f in sorted(os.listdir(a.series)):
        name = f[:-5]
        if a.only and name not in a.only:
            continue
        with open(os.path.join(a.series, f)) as fh:
            d = json.load(fh)
        for method in a.methods:
            path = os.path.join(a.out, method, f)
            if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(os.path.join(a.series, f)):
                continue
            r = run(method, d)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as fh:
                json.dump(r, fh)
            print(f"{name} {method}: {len(r['series'])} series, {r['seconds']} s, fallbacks {r['fallbacks']}", flush=True)


if __name__ == "__main__":
    main()
