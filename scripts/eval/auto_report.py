"""The `auto` section of docs/ACCURACY.md (report.py): issue #28's targets for `auto` against its
candidates, per-dataset selection shares and the pooled coverage of the 80 % interval."""
import json
import os

import numpy as np

AUTO_TARGETS = {"relMase": 0.72, "relWql": 0.60, "beatsEts": 16, "fmWqlSlack": 0.02, "coverage": (0.75, 0.85)}
MUST_BEAT_ETS = ["m3_yearly", "m3_quarterly", "tourism_yearly", "tourism_quarterly"]


def coverage80(series_file, forecast_file):
    """(inside, count) of test values within [q0.1, q0.9], pooled over the dataset's series and steps."""
    d = json.load(open(series_file))
    fc = {s["id"]: s["q"] for s in json.load(open(forecast_file))["series"] if s.get("q") is not None}
    inside = count = 0
    for s in d["series"]:
        q = fc.get(s["id"])
        if q is None:
            continue
        q = np.asarray(q, float)
        y = np.asarray([np.nan if v is None else v for v in s["testY"]], float)
        ok = ~np.isnan(y)
        inside += int(np.sum((y[ok] >= q[ok, 0]) & (y[ok] <= q[ok, 8])))
        count += int(ok.sum())
    return inside, count


def auto_section(a, models, methods, datasets, res, summary, f3):
    if "auto" not in methods:
        return []
    cov = {}
    for m in methods:
        tot = [coverage80(os.path.join(a.series, f"{n}.json"), os.path.join(a.forecasts, m, f"{n}.json"))
               for n in datasets if os.path.exists(os.path.join(a.forecasts, m, f"{n}.json"))]
        cov[m] = sum(t[0] for t in tot) / max(1, sum(t[1] for t in tot))
    s = summary["auto"]
    T = AUTO_TARGETS
    worse = [n for n in datasets if models and res[n]["auto"]["wql"] > (1 + T["fmWqlSlack"]) * min(res[n][m]["wql"] for m in models if m in res[n])]
    lost = [n for n in datasets if res[n]["auto"]["relMase"] >= res[n]["ets"]["relMase"]]

    def ok(c):
        return "✅ met" if c else "❌ missed"
    cfg = json.load(open(os.path.join(a.forecasts, "auto", f"{datasets[0]}.json")))["config"]
    L = ["## `auto`: per-series validation and combination of the candidates\n",
         "`auto` (libs/forecasting/src/auto, run here by scripts/eval/run-auto.ts from the cached forecasts): per series the "
         "candidates (" + ", ".join(f"`{m}`" for m in models) + ", ETS, Theta, seasonal naive; the statistical ones in TypeScript, "
         f"libs/timeseries) are scored on the last {cfg['windows']} horizon(s) of the training part (the held-out windows of holdout.py) by the "
         f"pinball loss scaled by the in-sample seasonal-naive MAE; the {cfg['top']} best are averaged level by level (Vincentization) with "
         f"inverse-loss weights. Series too short for a window (< {cfg['minHistory']} points before it) mix "
         + ", ".join(f"`{c}`" for c in cfg["shortSeries"]) + " equally. "
         "The rules were chosen on held-out window 1 validated on window 2 (`run-auto.js --target 1 --grid`), not on the test windows.\n",
         "| target (issue #28) | `auto` |", "|---|---|",
         f"| rel MASE ≤ {T['relMase']} | {f3(s['relMase'])} {ok(s['relMase'] <= T['relMase'])} |",
         f"| rel WQL ≤ {T['relWql']} | {f3(s['relWql'])} {ok(s['relWql'] <= T['relWql'])} |",
         f"| beats ETS (MASE) on ≥ {T['beatsEts']} of {len(datasets)} | {s['beatsEtsMase']} {ok(s['beatsEtsMase'] >= T['beatsEts'])}"
         + (f" (not on {', '.join(lost)})" if lost else "") + " |",
         f"| beats ETS on {', '.join(MUST_BEAT_ETS)} | {ok(not set(lost) & set(MUST_BEAT_ETS))} |",
         f"| WQL never > {1 + T['fmWqlSlack']:.2f} × the better model's | {ok(not worse)}" + (f" ({', '.join(worse)})" if worse else "") + " |",
         f"| 80 % interval coverage in {T['coverage'][0]}–{T['coverage'][1]}, pooled | {cov['auto']:.3f} "
         f"{ok(T['coverage'][0] <= cov['auto'] <= T['coverage'][1])} |", "",
         "Pooled coverage of the 80 % interval [q0.1, q0.9] over every dataset's test values:\n",
         "| " + " | ".join(methods) + " |", "|" + "---|" * len(methods),
         "| " + " | ".join(f"{cov[m]:.3f}" for m in methods) + " |", ""]
    weights = {}
    for n in datasets:
        fc = json.load(open(os.path.join(a.forecasts, "auto", f"{n}.json")))
        for x in fc["series"]:
            for c, w in x.get("auto", {}).get("weights", {}).items():
                weights.setdefault(n, {}).setdefault(c, 0.0)
                weights[n][c] += w / len(fc["series"])
    names = sorted({c for w in weights.values() for c in w})
    L += ["Mean combination weight per candidate:\n", "| dataset | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for n in datasets:
        L.append(f"| {n} | " + " | ".join(f"{weights.get(n, {}).get(c, 0):.2f}" for c in names) + " |")
    L.append("")
    return L
