"""Metrics over the cached forecasts (.tmp/eval/forecasts/<method>/<dataset>.json) -> docs/ACCURACY.md
and .tmp/eval/results.json.

Per dataset (GIFT-Eval style): MASE = mean over series of mean_h |y - median| / scale (scale: in-sample
seasonal-naive MAE with period m on the training part, data.py); WQL = mean over the 9 levels of
2 * sum(pinball) / sum(|y|) pooled over the dataset's series and steps. NaN targets are skipped.
Both are then divided by seasonal naive's value on the same dataset, and the relative values are
summarised by their geometric mean over datasets. As in GIFT-Eval, the WQL denominator is seasonal
naive's point forecast at every quantile level (relWql); relWqlProb divides by our probabilistic
seasonal naive (normal quantiles from its residuals) instead, a stricter reference."""
import argparse
import datetime
import json
import math
import os
import subprocess

import numpy as np

from auto_report import auto_section
from wql import LEVELS, pinball_sums
BASELINES = ["seasonal_naive", "naive", "ets", "theta"]
TARGETS = {"relMase": 1.0, "relWql": 0.7, "defaultRelMase": 0.85}
RESAMPLES = 1000  # series bootstrap draws (bootstrap)
BOOT_MIN_SERIES = 20  # smaller datasets keep their value in every draw


def load(path):
    with open(path) as f:
        return json.load(f)


def series_parts(d, fc, fallback):
    """Per observed series of a dataset, in file order: (MASE or NaN when its scale is 0, per-level
    pinball sums, Σ|y|), and how many series were scored with `fallback` (no forecast)."""
    by_id = {s["id"]: s for s in fc["series"]}
    mase, pin, absy, subst = [], [], [], 0
    for s in d["series"]:
        q = by_id.get(s["id"], {}).get("q")
        if q is None:
            q = fallback[s["id"]]
            subst += 1
        q = np.asarray(q, float)
        y = np.asarray([np.nan if v is None else v for v in s["testY"]], float)
        ok = ~np.isnan(y)
        if not ok.any():
            continue
        mase.append(float(np.mean(np.abs(y[ok] - q[ok, 4])) / s["scale"]) if s["scale"] else np.nan)
        n, a = pinball_sums(y, q, LEVELS)
        pin.append(n)
        absy.append(a)
    return {"mase": np.array(mase), "pin": np.array(pin).reshape(-1, len(LEVELS)), "absy": np.array(absy)}, subst


def aggregate(parts, counts=None):
    """(MASE, WQL) of a dataset from its series parts, each series counted `counts` times (rows: one
    count vector per resample, as a bootstrap draws them; None: once each). Arrays with counts."""
    c = np.ones((1, len(parts["absy"]))) if counts is None else np.atleast_2d(counts)
    m = parts["mase"]
    valid = ~np.isnan(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        mase = (c[:, valid] @ m[valid]) / c[:, valid].sum(1)
        wql = np.mean(2 * (c @ parts["pin"]) / (c @ parts["absy"])[:, None], axis=1)
    return mase, wql


def metrics(d, fc, fallback):
    """(MASE, WQL, series in MASE, substituted series, series parts) for one method on one dataset."""
    parts, subst = series_parts(d, fc, fallback)
    mase, wql = aggregate(parts)
    n_mase = int((~np.isnan(parts["mase"])).sum())
    return ((float(mase[0]) if n_mase else float("nan")), (float(wql[0]) if len(parts["absy"]) else float("nan")), n_mase,
            subst, parts)


def bootstrap(parts, reference, resamples=1000, seed=0, min_series=BOOT_MIN_SERIES):
    """Series bootstrap of the geometric means: per dataset of at least `min_series` series,
    `resamples` draws of its series with replacement, the same draws for every method and for the
    reference; a smaller dataset keeps its value in every draw (drawing 2 or 7 series again mostly
    measures which one is left out, and skews the ratio of pooled sums). `parts[method][dataset]` and
    `reference[dataset]` (seasonal naive's point forecast at every level for WQL, its probabilistic
    forecast for MASE: the same median) are series_parts. Returns, per method, the resampled
    geometric means {"relMase": [...], "relWql": [...]} (arrays of `resamples`)."""
    rng = np.random.default_rng(seed)
    logs = {m: {"relMase": 0.0, "relWql": 0.0} for m in parts}
    n_sets = {m: {"relMase": 0, "relWql": 0} for m in parts}
    for name in sorted(reference):
        n = len(reference[name]["absy"])
        if not n:
            continue
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples) if n >= min_series else np.ones((resamples, n))
        ref_mase, ref_wql = aggregate(reference[name], counts)
        for m in parts:
            if name not in parts[m]:
                continue
            mase, wql = aggregate(parts[m][name], counts)
            for key, v in (("relMase", mase / ref_mase), ("relWql", wql / ref_wql)):
                if np.all(np.isfinite(v) & (v > 0)):
                    logs[m][key] = logs[m][key] + np.log(v)
                    n_sets[m][key] += 1
    return {m: {k: np.exp(logs[m][k] / n_sets[m][k]) for k in logs[m]} for m in parts}


def geomean(xs):
    xs = [x for x in xs if x is not None and np.isfinite(x) and x > 0]
    return float(np.exp(np.mean(np.log(xs)))) if xs else float("nan")


def f3(x):
    return "—" if x is None or not np.isfinite(x) else f"{x:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", default=".tmp/eval/series")
    ap.add_argument("--forecasts", default=".tmp/eval/forecasts")
    ap.add_argument("--out", default="docs/ACCURACY.md")
    ap.add_argument("--json", default=".tmp/eval/results.json")
    ap.add_argument("--manifest", default="models/manifest.json")
    ap.add_argument("--wall", type=float, default=None, help="wall time of the whole evaluation run, seconds")
    ap.add_argument("--cached", default="no", help="whether cached forecasts were reused (yes/no)")
    a = ap.parse_args(argv)
    manifest = load(a.manifest)
    models = [m["id"] for m in manifest["models"] if not m["id"].endswith("-dev")]
    models = [m for m in models if os.path.isdir(os.path.join(a.forecasts, m))]
    # `auto` (run-auto.js) combines the models and baselines per series: reported beside them when it ran
    methods = models + (["auto"] if os.path.isdir(os.path.join(a.forecasts, "auto")) else []) + BASELINES
    datasets = sorted(f[:-5] for f in os.listdir(a.series) if f.endswith(".json"))
    missing = [n for n in datasets if not all(os.path.exists(os.path.join(a.forecasts, m, f"{n}.json")) for m in BASELINES)]
    if missing:
        print(f"warning: baselines missing for {', '.join(missing)}: left out")
        datasets = [n for n in datasets if n not in missing]
    res = {}
    info = {}
    parts = {m: {} for m in methods}  # series parts, for the bootstrap
    reference = {}
    for name in datasets:
        d = load(os.path.join(a.series, f"{name}.json"))
        info[name] = {k: d[k] for k in ("freq", "H", "m", "seriesTotal", "every")} | {"series": len(d["series"])}
        sn_fc = load(os.path.join(a.forecasts, "seasonal_naive", f"{name}.json"))
        fb = {s["id"]: s["q"] for s in sn_fc["series"]}
        res[name] = {}
        for m in methods:
            p = os.path.join(a.forecasts, m, f"{name}.json")
            if not os.path.exists(p):
                continue
            fc = load(p)
            mase, wql, n_mase, subst, parts[m][name] = metrics(d, fc, fb)
            res[name][m] = {"mase": mase, "wql": wql, "seriesInMase": n_mase, "substituted": subst,
                            "fallbacks": fc.get("fallbacks", 0), "seconds": fc.get("seconds"),
                            "adjusted": sum(1 for x in fc["series"] if x.get("adjusted")),
                            "additive": sum(1 for x in fc["series"] if x.get("additive"))}
        sn = res[name]["seasonal_naive"]
        # GIFT-Eval's seasonal naive is a point forecast: its median at every level.
        point = {"series": [{"id": x["id"], "q": None if x["q"] is None else [[row[4]] * 9 for row in x["q"]]}
                            for x in sn_fc["series"]]}
        _, sn_point_wql, _, _, reference[name] = metrics(d, point, fb)
        info[name]["seasonalNaivePointWql"] = sn_point_wql
        for m, r in res[name].items():
            r["relMase"] = r["mase"] / sn["mase"] if sn["mase"] > 0 else float("nan")
            r["relWql"] = r["wql"] / sn_point_wql if sn_point_wql > 0 else float("nan")
            r["relWqlProb"] = r["wql"] / sn["wql"] if sn["wql"] > 0 else float("nan")
    summary = {}
    for m in methods:
        rows = [res[n][m] for n in datasets if m in res[n]]
        summary[m] = {
            "relMase": geomean([r["relMase"] for r in rows]), "relWql": geomean([r["relWql"] for r in rows]),
            "relWqlProb": geomean([r["relWqlProb"] for r in rows]),
            "datasets": len(rows),
            "beatsEtsMase": sum(1 for n in datasets if m in res[n] and res[n][m]["relMase"] < res[n]["ets"]["relMase"]),
            "beatsEtsWql": sum(1 for n in datasets if m in res[n] and res[n][m]["relWql"] < res[n]["ets"]["relWql"]),
            "substituted": sum(r["substituted"] for r in rows), "fallbacks": sum(r["fallbacks"] for r in rows),
            "seconds": round(sum(r["seconds"] or 0 for r in rows), 1),
        }
    boot = bootstrap(parts, reference, RESAMPLES)
    for m in methods:
        b = boot[m]
        summary[m]["bootstrap"] = {
            "resamples": RESAMPLES,
            "relMase90": [float(np.percentile(b["relMase"], 5)), float(np.percentile(b["relMase"], 95))],
            "relWql90": [float(np.percentile(b["relWql"], 5)), float(np.percentile(b["relWql"], 95))],
            "shareRelMaseBelow1": float(np.mean(b["relMase"] < TARGETS["relMase"])),
            "shareRelWqlBelow07": float(np.mean(b["relWql"] < TARGETS["relWql"])),
        }
    pairs = {f"{x} vs {y}": {"relWqlRatio90": [float(np.percentile(boot[x]["relWql"] / boot[y]["relWql"], q)) for q in (5, 95)],
                             "shareBetterWql": float(np.mean(boot[x]["relWql"] < boot[y]["relWql"])),
                             "relMaseRatio90": [float(np.percentile(boot[x]["relMase"] / boot[y]["relMase"], q)) for q in (5, 95)]}
             for i, x in enumerate(models) for y in models[i + 1:] + ["ets"]}
    if "auto" in methods:
        pairs |= {f"auto vs {y}": {"relWqlRatio90": [float(np.percentile(boot["auto"]["relWql"] / boot[y]["relWql"], q)) for q in (5, 95)],
                                   "shareBetterWql": float(np.mean(boot["auto"]["relWql"] < boot[y]["relWql"])),
                                   "relMaseRatio90": [float(np.percentile(boot["auto"]["relMase"] / boot[y]["relMase"], q)) for q in (5, 95)]}
                  for y in models + ["ets", "theta"]}
    best = min(models, key=lambda m: (summary[m]["relMase"] + summary[m]["relWql"])) if models else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump({"datasets": info, "results": res, "summary": summary, "pairs": pairs, "best": best, "commit": commit, "date": now}, f, indent=1)
    if a.out:
        write_markdown(a, manifest, models, methods, datasets, info, res, summary, pairs, best, commit, now)
    for m in methods:
        s = summary[m]
        print(f"{m:16s} relMASE {f3(s['relMase'])} relWQL {f3(s['relWql'])} (vs probabilistic seasonal naive {f3(s['relWqlProb'])}) "
              f"beats ETS (MASE) on {s['beatsEtsMase']}/{s['datasets']}")
    print(f"best model: {best}")


def write_markdown(a, manifest, models, methods, datasets, info, res, summary, pairs, best, commit, now):
    entries = {m["id"]: m for m in manifest["models"]}
    ensembled = [m for m in models if entries.get(m, {}).get("negationEnsemble")]
    selecting = [m for m in models if entries.get(m, {}).get("contextSelection")]
    adjusting = [m for m in models if entries.get(m, {}).get("seasonalAdjustment")]
    padding = [m for m in models if entries.get(m, {}).get("contextPadding")]
    # Datasets an xlstm reads on another grid (libs/forecasting/src/pipeline.ts xlstmGrid): a season m
    # off its manifest `seasons` (when it has a list), or one that fills its context C fewer than 8 times.
    xlstms = [entries[m] for m in models if entries.get(m, {}).get("family") == "xlstm"]
    coarse = [n for n in datasets if info[n]["m"] > 1
              and any((e.get("seasons") and info[n]["m"] not in e["seasons"]) or 8 * info[n]["m"] > e["contextLength"] for e in xlstms)]
    L = []
    L.append("# Accuracy on real data\n")
    fresh_file = os.path.join(os.path.dirname(a.json), "fresh-run.json")
    if a.wall and a.cached == "no":
        with open(fresh_file, "w") as f:
            json.dump({"wallSec": a.wall, "date": now}, f)
    fresh = load(fresh_file) if os.path.exists(fresh_file) else None
    L.append(f"Generated by `npm run eval` (scripts/eval.sh) on {now}, commit `{commit}`"
             + (f", wall time {a.wall / 60:.1f} min on 2 CPU cores shared with other jobs"
                + (" (reusing forecasts cached under `.tmp/eval/`)" if a.cached == "yes" else " from scratch") if a.wall else "")
             + (f"; the last from-scratch run (`--fresh`, {fresh['date'][:16]}Z) took {fresh['wallSec'] / 60:.1f} min."
                if fresh and a.cached == "yes" else "."))
    L.append("The models' weights are trained on synthetic data only (models/cards/) and the baselines are fitted per series "
             "on the training part. The serving settings (the negation ensemble, the xlstm's grid rule (8 cycles in its context; seasons on its training list), "
             "ssm-small's context-selection candidates, top 2 and 2 windows) were each picked among a few variants measured "
             "on this evaluation (models/toolchain/training/HISTORY.md lists them), so their share of the gains is "
             "somewhat optimistic."
             + (" The seasonal adjustment, its number of seasons and the xlstm's additive alternative were chosen on held-out windows at the end of "
                "the training parts (`scripts/eval/holdout.py`), not on the test windows."
                if any(e.get("seasonalAdjustment") for e in manifest["models"]) else "")
             + (" So was the xlstm's padding of short contexts to whole patches (manifest `contextPadding`)."
                if any(e.get("contextPadding") for e in manifest["models"]) else "") + "\n")
    L.append("## Reproduce\n")
    L.append("```sh\nexport TSFM_EVAL_DATA=/path/to/data   # the datasets (layout: python3 scripts/eval/eval_data.py)\n"
             "npm run eval            # data subset -> model forecasts (onnxruntime-node) -> baselines (statsmodels) -> this file\n"
             "npm run eval -- --fresh # drop the cached forecasts under .tmp/eval/ first\n```\n")
    L.append("## What is measured\n")
    L.append("* **Data**: the 17 datasets of `$TSFM_EVAL_DATA/datasets.csv` (M3, M4 hourly/weekly, tourism, NN5, "
             "exchange_rate, national_illness, vic_elec, aus_retail, pedestrian, Prophet examples). Multivariate datasets: "
             "every column is a univariate series.")
    L.append("* **Test window**: the last H points of every series (H = the dataset's `horizon`; the official test window "
             "for the competition sets), one forecast origin per series.")
    L.append("* **Subset**: at most 100 series per dataset, every k-th in file order with k = ⌈n/100⌉ (counts in the tables below).")
    L.append("* **Models** (`" + "`, `".join(models) + "`): the serving path (`prepareSeries` → `ModelRuntime.forecast`, CPU → "
             "`finishSeries`), each series sent as a client would send it; quantiles 0.1…0.9; settings in the table below.")
    L.append("* **Baselines** (`scripts/eval/baselines.py`, statsmodels): fitted per series on the last ≤ 2048 training points "
             "on a regular grid; definitions in the table below.")
    L.append("* **Metrics** (GIFT-Eval aggregation): MASE and WQL per dataset, divided by seasonal naive's (relative), "
             "summarised by the geometric mean over the datasets; definitions in the table below.")
    L.append("* **Two WQL references**: *rel WQL* divides by seasonal naive's point forecast at every level (GIFT-Eval; "
             "TiRex's 0.488 and the 0.7 target); *rel WQL vs prob. SN* by our probabilistic seasonal naive, stricter "
             f"(seasonal naive alone scores {f3(summary['seasonal_naive']['relWql'])} on the first).\n")

    def ids(ms):
        return ", ".join(f"`{m}`" for m in ms) or "none"
    L.append("| serving setting (manifest field) | models |")
    L.append("|---|---|")
    L.append("| negation ensemble: the quantiles of x and the mirrored quantiles of −x averaged, two passes (`negationEnsemble`) | "
             + ids(ensembled) + " |")
    for m in selecting:
        cs = entries[m]["contextSelection"]
        L.append(f"| context per series: candidates {cs['candidates']} scored by pinball loss on the last {cs.get('windows', 1)} "
                 f"horizon(s) of the training part, the {cs['top']} best averaged (`contextSelection`) | `{m}` |")
    L.append("| another grid when the season is off the training list or fills the context fewer than 8 times (`seasons`) | "
             + ids([m for m in models if entries.get(m, {}).get("family") == "xlstm"])
             + (f" (here {', '.join(coarse)})" if coarse else " (none here)") + " |")
    for m in padding:
        L.append(f"| short contexts left-padded to whole patches, at least {entries[m]['contextPadding']['minPatches']}, "
                 f"not to the {entries[m]['contextLength']}-step window (`contextPadding`) | `{m}` |")
    groups = {}
    for m in adjusting:
        sa = entries[m]["seasonalAdjustment"]
        groups.setdefault((sa["cycles"], sa.get("additive")), []).append(m)
    for (cycles, additive), ms in groups.items():
        L.append(f"| seasonal adjustment: a positive series passing the 90 % lag-m autocorrelation test is divided by its profile over "
                 f"the last {cycles} seasons and the forecast multiplied back"
                 + (f"; additive where its residual sum of squares is below {additive} × the multiplicative one's" if additive is not None else "")
                 + " (`seasonalAdjustment`) | "
                 + "; ".join(f"`{m}`: {sum(res[n][m]['adjusted'] for n in datasets if m in res[n])} series "
                             f"({sum(res[n][m]['additive'] for n in datasets if m in res[n])} additive)" for m in ms) + " |")
    L.append("")
    if adjusting:
        L.append("Series seasonally adjusted per dataset (of them additive):\n")
        L.append("| dataset | " + " | ".join(adjusting) + " |")
        L.append("|---|" + "---|" * len(adjusting))
        for n in datasets:
            if not any(res[n].get(m, {}).get("adjusted") for m in adjusting):
                continue
            L.append(f"| {n} | " + " | ".join(
                f"{res[n][m]['adjusted']}/{info[n]['series']} ({res[n][m]['additive']})" if m in res[n] else "—" for m in adjusting) + " |")
        L.append("")
    L.append("| baseline or metric | definition |")
    L.append("|---|---|")
    L.append("| `seasonal_naive` | the last season (period m) repeated; normal quantiles from the in-sample residual std, σ√⌈h/m⌉ |")
    L.append("| `naive` | the last value repeated; normal quantiles, σ√h |")
    L.append("| `ets` | ETSModel, additive errors, lowest AICc of ANN, AAdN and, with ≥ 2 seasons, ANA, AAdA (heuristic initial "
             "states when m > 12); quantiles from the analytic forecast variance |")
    L.append("| `theta` | ThetaModel, deseasonalised when m > 1 and ≥ 2 seasons (additive with non-positive values); quantiles "
             "from its 20/40/60/80 % intervals, the point forecast as median |")
    L.append("| baseline input | missing timestamps inserted, NaN forward-filled, leading NaN back-filled |")
    L.append("| MASE | mean over series of mean \\|y − median\\| / scale; scale = in-sample seasonal-naive MAE (period m) over the "
             "training part; series with scale 0 are left out |")
    L.append("| WQL | mean over the 9 levels of 2·Σ pinball / Σ\\|y\\|, pooled over the dataset; NaN targets (nn5, yosemite) skipped |")
    L.append("")
    L.append("## Summary (geometric mean over datasets)\n")
    L.append("| method | rel MASE | rel WQL | rel WQL vs prob. SN | beats ETS on (MASE) | beats ETS on (WQL) | forecast time, all datasets (s) |")
    L.append("|---|---|---|---|---|---|---|")
    for m in methods:
        s = summary[m]
        beats = f"{s['beatsEtsMase']}/{s['datasets']}" if m != "ets" else "—"
        beatsw = f"{s['beatsEtsWql']}/{s['datasets']}" if m != "ets" else "—"
        L.append(f"| {m}{' (default)' if m == best else ''} | {f3(s['relMase'])} | {f3(s['relWql'])} | {f3(s['relWqlProb'])} | {beats} | {beatsw} | {s['seconds']:.0f} |")
    L.append("")
    L.append("## Targets\n")
    L.append("| target | " + " | ".join(models) + " |")
    L.append("|---|" + "---|" * len(models))

    def verdict(v, bound, le=False):
        ok = v <= bound if le else v < bound
        return f"{f3(v)} {'✅ met' if ok else f'❌ missed by {v - bound:.3f}'}"
    L.append("| rel MASE < 1.0 | " + " | ".join(verdict(summary[m]["relMase"], 1.0) for m in models) + " |")
    L.append("| rel WQL < 0.7 (GIFT-Eval reference) | " + " | ".join(verdict(summary[m]["relWql"], 0.7) for m in models) + " |")
    L.append("| default: rel MASE ≤ 0.85 | " + " | ".join(verdict(summary[m]["relMase"], 0.85, True) if m == best else "(not default)" for m in models) + " |")
    half = math.ceil(len(datasets) / 2)

    def beats(m):
        b = summary[m]["beatsEtsMase"]
        return f"{b} ✅ met" if b >= half else f"{b} ❌ missed by {half - b} dataset(s)"
    L.append(f"| default: beats ETS (MASE) on ≥ {half} of {len(datasets)} datasets | "
             + " | ".join(beats(m) if m == best else "(not default)" for m in models) + " |")
    L.append("")
    L += auto_section(a, models, methods, datasets, res, summary, f3)
    L.append("## How sure: series bootstrap\n")
    small = [n for n in datasets if info[n]["series"] < BOOT_MIN_SERIES]
    L.append(f"The series of each dataset drawn again with replacement, {RESAMPLES:,} times (seed 0), the same draws for "
             "every method and for the seasonal-naive reference, and the geometric means recomputed. This measures how much "
             "the summary depends on which series the subset holds; it does not measure the forecast origin (one window "
             f"per series). Datasets of fewer than {BOOT_MIN_SERIES} series (" + ", ".join(small) + ") keep their value in "
             "every draw: drawing 1 to 8 series again mostly measures which one is left out. A percentile interval need not "
             "be centred on the estimate: a few series with large errors skew the ratio of pooled sums (tourism_yearly).\n")
    L.append("| method | rel MASE | 90 % interval | rel WQL | 90 % interval | draws with rel WQL < 0.7 |")
    L.append("|---|---|---|---|---|---|")
    for m in methods:
        b = summary[m]["bootstrap"]
        L.append(f"| {m} | {f3(summary[m]['relMase'])} | {f3(b['relMase90'][0])}–{f3(b['relMase90'][1])} | "
                 f"{f3(summary[m]['relWql'])} | {f3(b['relWql90'][0])}–{f3(b['relWql90'][1])} | {b['shareRelWqlBelow07']:.0%} |")
    L.append("")
    L.append("| comparison | rel WQL ratio, 90 % interval | draws where the first is better (WQL) | rel MASE ratio, 90 % interval |")
    L.append("|---|---|---|---|")
    for k, v in pairs.items():
        L.append(f"| {k} | {f3(v['relWqlRatio90'][0])}–{f3(v['relWqlRatio90'][1])} | {v['shareBetterWql']:.0%} | "
                 f"{f3(v['relMaseRatio90'][0])}–{f3(v['relMaseRatio90'][1])} |")
    L.append("")
    L.append("## Findings\n")
    for m in models:
        good = [n for n in datasets if res[n][m]["relMase"] < 1]
        L.append(f"* `{m}` beats seasonal naive (MASE) on {len(good)} of {len(datasets)} datasets"
                 + (f" ({', '.join(good)})" if good else "") + f"; its worst relative MASE is "
                 f"{max(res[n][m]['relMase'] for n in datasets):.2f} ({max(datasets, key=lambda n: res[n][m]['relMase'])}).")
    strongest = min(methods, key=lambda m: summary[m]["relMase"])
    L.append(f"* The strongest method on the geometric-mean relative MASE is `{strongest}` ({f3(summary[strongest]['relMase'])}); "
             f"on relative WQL `{min(methods, key=lambda m: summary[m]['relWql'])}` ({f3(min(summary[m]['relWql'] for m in methods))}).")
    L.append("* Datasets with one or a few series (retail_sales, peyton_manning, yosemite, vic_elec, pedestrian, exchange_rate, "
             "national_illness) weigh as much as the 100-series ones in the geometric mean; their relative values are noisy.\n")
    if best:
        L.append(f"The default model (`models/manifest.json` `default`) is **{best}**: the lower sum of geometric-mean "
                 "relative MASE and WQL.\n")
    for key, title in (("relMase", "Relative MASE (÷ seasonal naive; < 1 is better than seasonal naive)"),
                       ("relWql", "Relative WQL (÷ seasonal naive's point forecast at every level, as GIFT-Eval)"),
                       ("relWqlProb", "Relative WQL (÷ probabilistic seasonal naive, stricter)"), ("mase", "MASE"), ("wql", "WQL")):
        L.append(f"## {title}\n")
        L.append("| dataset | freq | H | m | series | " + " | ".join(methods) + " |")
        L.append("|---|---|---|---|---|" + "---|" * len(methods))
        for n in datasets:
            i = info[n]
            cells = []
            vals = {m: res[n][m][key] for m in methods if m in res[n]}
            lo = min(vals.values())
            for m in methods:
                v = vals.get(m)
                cells.append("—" if v is None else (f"**{f3(v)}**" if v == lo else f3(v)))
            L.append(f"| {n} | {i['freq']} | {i['H']} | {i['m']} | {i['series']}/{i['seriesTotal']} | " + " | ".join(cells) + " |")
        if key in ("relMase", "relWql", "relWqlProb"):
            L.append("| **geometric mean** | | | | | " + " | ".join(f3(summary[m][key]) for m in methods) + " |")
        L.append("")
    subst = {m: summary[m]["substituted"] for m in models if summary[m]["substituted"]}
    fb = {m: summary[m]["fallbacks"] for m in BASELINES if summary[m]["fallbacks"]}
    L.append("## Notes\n")
    L.append("* Bold = best of the row. Model series the service refused (a DomainError) would be scored with the seasonal-naive "
             "forecast and counted here: " + (", ".join(f"{m}: {c}" for m, c in subst.items()) if subst else "none were refused") + ".")
    L.append("* Baseline fits that failed and fell back to naive: " + (", ".join(f"{m}: {c}" for m, c in fb.items()) if fb else "none") + ".")
    for m in models:
        p = entries[m].get("provenance", {})
        L.append(f"* `{m}`: {entries[m]['parameters']:,} parameters, {p.get('trainedSteps')} of {p.get('plannedSteps')} planned "
                 f"training steps, context {entries[m]['contextLength']}, sha256 `{entries[m]['sha256'][:12]}`.")
    L.append("")
    # The covariates section is written by `npm run eval -- --covariates` (scripts/eval/covariates.ts): kept as it is.
    keep = ""
    if os.path.exists(a.out):
        with open(a.out) as f:
            old = f.read()
        i, j = old.find("<!-- covariates:begin"), old.find("<!-- covariates:end -->")
        if 0 <= i < j:
            keep = "\n" + old[i:j + len("<!-- covariates:end -->")] + "\n"
    with open(a.out, "w") as f:
        f.write("\n".join(L) + keep)


if __name__ == "__main__":
    main()
