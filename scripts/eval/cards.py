"""Model cards models/cards/<id>.md for the trained (non-dev) models, from models/manifest.json
(architecture, provenance) and .tmp/eval/results.json (scripts/eval/report.py)."""
import argparse
import json
import os

FAMILY = {
    "xlstm": "xLSTM (TiRex architecture): patch embedding of 32-step patches with a missing-value mask, a stack of sLSTM "
             "blocks, a residual MLP head emitting 9 quantiles per step of the next patch; longer horizons roll out "
             "patch by patch with appended all-missing patches",
    "ssm": "State-space (FlowState architecture): per-step embedding, S5 encoder layers (HiPPO-initialised diagonal state), a "
           "functional Legendre-basis decoder that reads the horizon off the last state at a per-series time scale "
           "s = 24 / seasonal period, 9 quantiles per step",
}


def f3(x):
    return "—" if x is None or x != x else f"{x:.3f}"


def run_chain(runs_dir, run):
    """[(run, its config.json)] from the first stage to `run`, following `initFrom` through
    runs_dir/<run>/config.json; [] when a directory is missing."""
    stages = []
    while run:
        path = os.path.join(runs_dir, run, "config.json")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            c = json.load(f)
        stages.insert(0, (run, c))
        run = (c.get("initFrom") or {}).get("run")
    return stages


def stage_hours(runs_dir, run):
    """Hours of training steps in runs_dir/<run>/log.jsonl, as the export's provenance counts them (the
    steps since the previous record / steps_per_s, summed; validation passes excluded); None without a log."""
    path = os.path.join(runs_dir, run, "log.jsonl")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        recs = sorted((json.loads(line) for line in f if line.strip()), key=lambda r: r["step"])
    sec, prev = 0.0, 0
    for r in recs:
        if r.get("steps_per_s"):
            sec += (r["step"] - prev) / r["steps_per_s"]
        prev = r["step"]
    return sec / 3600


def card(e, res, summary, info, best, date, commit, runs_dir="models/runs"):
    p = e["provenance"]
    mid = e["id"]
    g = p.get("generator") or {}
    rows = res
    worse_sn = [n for n in rows if rows[n].get(mid) and rows[n][mid]["relMase"] > 1]
    worse_ets = [n for n in rows if rows[n].get(mid) and rows[n][mid]["relMase"] > rows[n]["ets"]["relMase"]]
    better_ets = [n for n in rows if rows[n].get(mid) and rows[n][mid]["relMase"] < rows[n]["ets"]["relMase"]]
    s = summary[mid]
    L = [f"# {mid}\n"]
    unfinished = p.get("trainedSteps") is not None and p.get("plannedSteps") and p["trainedSteps"] < p["plannedSteps"]
    L.append(f"{e['family']} forecaster trained here on synthetic data only; {e['parameters']:,} parameters, float32 ONNX "
             f"(`models/{e['file']}`, sha256 `{e['sha256'][:16]}…`) with its default head in `models/{e['head']['file']}`. "
             + ("**The default model of this service.**" if mid == best else "Not the default model (see docs/ACCURACY.md)."))
    if unfinished:
        L.append(f"\n**Training did not finish: step {p['trainedSteps']} of {p['plannedSteps']}** (the run's latest checkpoint was "
                 "exported when the time budget ran out; its learning-rate schedule had not decayed).")
    L.append("\n## Architecture\n")
    L.append(FAMILY[e["family"]] + ".\n")
    L.append("| key | value |\n|---|---|")
    for k, v in e["config"].items():
        L.append(f"| `{k}` | {json.dumps(v)} |")
    L.append(f"| longest context a request may ask for (contextLength) | {e['contextLength']} |")
    L.append(f"| context used when a request names none (defaultContext) | {e.get('defaultContext', e['contextLength'])} |")
    L.append(f"| max horizon (manifest) | {e['maxHorizon']} |")
    L.append(f"| negation ensemble (negationEnsemble) | {'on: (f(x) − mirrored f(−x)) / 2, two passes' if e.get('negationEnsemble') else 'off'} |")
    cs = e.get("contextSelection")
    L.append("| per-series context selection (contextSelection) | "
             + (f"candidates {cs['candidates']}, scored on the last {cs.get('windows', 1)} horizon(s) of the history, the {cs['top']} best averaged "
                "(requests without a contextLength)" if cs else "off") + " |")
    sa = e.get("seasonalAdjustment")
    L.append("| seasonal adjustment (seasonalAdjustment) | "
             + (f"multiplicative: a positive series whose season passes the 90 % autocorrelation test is divided by its profile over the last "
                f"{sa['cycles']} seasons, the forecast multiplied back"
                + (f"; additive instead (profile subtracted, added back) where its residual sum of squares is below {sa['additive']} times "
                   "the multiplicative one's" if sa.get("additive") is not None else "") if sa else "off") + " |")
    sp = e.get("scalePeriods")
    cp = e.get("contextPadding")
    if e["family"] == "xlstm":
        L.append("| left padding of a short context (contextPadding) | "
                 + (f"to whole patches, at least {cp['minPatches']}, as in pre-training" if cp else f"to the whole window ({e['contextLength']} steps)") + " |")
    if e["family"] == "ssm":
        L.append("| scale factor s = 24 / p from the detected season m (scalePeriods) | "
                 + ("; ".join(f"m = {m}: p = {q}" for m, q in sp.items()) + "; any other season: p = m" if sp else "p = m") + " |")
    L.append("")
    L.append("## Training\n")
    L.append("* Data: synthetic only (`models/toolchain/synthetic`), no real series. Generator mixture: "
             + ", ".join(f"{k} {v:g}" for k, v in (g.get("mixture") or {}).items())
             + "; augmentations: " + ", ".join(f"{k} {v:g}" for k, v in (g.get("augmentations") or {}).items())
             + f"; target periods {g.get('targetPeriods')} reached by resampling base series within ×{g.get('maxResampleRate')}.")
    d = g.get("data") or {}
    short = (f" (a share of {d['short_prob']:g} of the steps draws a short batch instead: context {d.get('short_context')}, "
             f"horizon {d.get('short_horizon')})") if d.get("short_prob") else ""
    if d.get("tiny_prob"):
        short += (f"; a share of {d['tiny_prob']:g} draws a tiny batch: context {d.get('tiny_context')} at any length (shorter "
                  f"than a patch, left-padded with NaN), horizon {d.get('tiny_horizon')}")
    L.append(f"* Batches: {p.get('batch')} series, context {d.get('context')} (step {d.get('context_step')}), horizon "
             f"{d.get('horizon')}, drawn per step{short}{'; TiRex contiguous patch masking on the context' if d.get('cpm') else ''}"
             f"{'; one period per batch' if d.get('shared_period') else ''}.")
    L.append(f"* Loss: pinball over the 9 levels 0.1…0.9 in the context's scaled units; AdamW, warmup + cosine; "
             f"`toolchain.training` config `{p.get('trainConfig')}`.")
    L.append(f"* Steps: {p.get('trainedSteps')} of {p.get('plannedSteps')} planned; seed {p.get('seed')}; training wall time "
             f"{(p.get('wallTimeSec') or 0) / 3600:.2f} h ({p.get('wallTimeNote')}); hardware: {p.get('hardware')} "
             "(CPU only, shared with other jobs).")
    L.append(f"* Validation loss (fixed synthetic set, mean pinball in scaled units): {p.get('initialValidationLoss')} at step 0 → "
             f"{p.get('finalValidationLoss')} at step {p.get('finalValidationStep')}.")
    run = p.get("run") or mid

    def train_cmd(out, steps, batch, seed, config):
        return (f"`PYTHONPATH=. /usr/bin/python3 -m toolchain.training.train --family {e['family']} --out runs/{out} "
                f"--steps {steps} --batch {batch} --seed {seed} --config {config}")
    stages = run_chain(runs_dir, run)  # every stage from scratch to this run, each from the previous one's checkpoint
    steps = [train_cmd(r, c["steps"], c["batch"], c["seed"], c["config"]) + (f" --init-from runs/{stages[i - 1][0]}/ckpt.pt" if i else "")
             for i, (r, c) in enumerate(stages)]
    init = p.get("initFrom")
    if not stages:  # the run's directory is not here: this run alone, from the provenance
        steps = [train_cmd(run, p.get("plannedSteps"), p.get("batch"), p.get("seed"), p.get("trainConfig"))
                 + (f" --init-from runs/{init['run']}/ckpt.pt" if init else "")]
    if init:
        earlier = [f"`{r}` (config `{c['config']}`, {c['steps']} steps, seed {c['seed']})" for r, c in reversed(stages[:-2])]
        L.append(f"* Continued pre-training: this run started from the weights of run `{init['run']}` (config `{init['config']}`, "
                 f"{init['step']} steps, seed {init['seed']}, batch {init['batch']})"
                 + (", itself continued from " + ", from ".join(earlier) if earlier else "")
                 + f"; {p.get('totalSteps')} steps in all.")
        hours = [(r, stage_hours(runs_dir, r)) for r, _ in stages]
        if hours and all(h is not None for _, h in hours):
            L.append(f"* Training time of the whole chain: {sum(h for _, h in hours):.1f} h of training steps over {len(hours)} runs ("
                     + ", ".join(f"`{r}` {h:.2f} h" for r, h in hours) + "; from each run's log, on 2 cores shared with other jobs).")
    default = f" --default-context {e['defaultContext']}" if e.get("defaultContext") else ""
    default += " --negation-ensemble" if e.get("negationEnsemble") else ""
    if cs:
        default += (f" --context-selection {','.join(str(c) for c in cs['candidates'])} --context-selection-top {cs['top']}"
                    f" --context-selection-windows {cs.get('windows', 1)}")
    if sa:
        default += f" --seasonal-adjustment {sa['cycles']}" + (f" --seasonal-adjustment-additive {sa['additive']}" if sa.get("additive") is not None else "")
    if cp:
        default += f" --context-padding {cp['minPatches']}"
    if sp:
        default += " --scale-periods " + ",".join(f"{m}:{q}" for m, q in sp.items())
    L.append("* Reproduce, in `models/`: " + "`, then ".join(steps) + "`, then "
             f"`PYTHONPATH=. /usr/bin/python3 -m toolchain.training.export --run runs/{run} --id {mid} --out .{default}`")
    L.append("")
    L.append("## Accuracy on real data\n")
    L.append(f"From docs/ACCURACY.md ({date}, commit `{commit}`): {info['n']} datasets, last H points of each series, at most 100 "
             "series per dataset, through the serving pipeline. Relative = ÷ seasonal naive (< 1 is better); rel WQL divides by seasonal "
             "naive's point forecast at every level, as GIFT-Eval does (÷ our probabilistic seasonal naive: "
             f"{f3(s['relWqlProb'])}).\n")
    L.append(f"Geometric mean: **rel MASE {f3(s['relMase'])}, rel WQL {f3(s['relWql'])}**; ETS: rel MASE "
             f"{f3(summary['ets']['relMase'])}, rel WQL {f3(summary['ets']['relWql'])}. Beats ETS (MASE) on "
             f"{s['beatsEtsMase']} of {s['datasets']} datasets.\n")
    L.append("| dataset | H | m | MASE | WQL | rel MASE | rel WQL | ETS rel MASE | ETS rel WQL |\n|---|---|---|---|---|---|---|---|---|")
    for n in sorted(rows):
        r = rows[n].get(mid)
        if not r:
            continue
        et = rows[n]["ets"]
        L.append(f"| {n} | {info['d'][n]['H']} | {info['d'][n]['m']} | {f3(r['mase'])} | {f3(r['wql'])} | {f3(r['relMase'])} | "
                 f"{f3(r['relWql'])} | {f3(et['relMase'])} | {f3(et['relWql'])} |")
    L.append("")
    L.append("## Limits\n")
    L.append(f"* Context: the service feeds at most {e.get('defaultContext', e['contextLength'])} grid steps unless a request's "
             f"`contextLength` asks for more (up to {e['contextLength']})"
             + (f" or context selection picks among {cs['candidates']}" if cs else "")
             + (f" (ssm: the graph's window is ⌊{e['contextLength']}/s⌋ steps at scale factor s, left-padded with missing values)" if e["family"] == "ssm" else "")
             + "; older data is ignored. Horizon: at most "
             + (f"{e['maxHorizon']} steps (beyond ~the context length the rollout window is all missing)." if e["family"] == "xlstm"
                else f"min({e['maxHorizon']}, ⌊{e['contextLength']}/s/2⌋) steps."))
    if e["family"] == "xlstm":
        seasons = e.get("seasons")
        L.append("* No time-scale input, and it copies only the seasons its pre-training drew"
                 + (f" (manifest `seasons`: {', '.join(map(str, seasons))} steps)" if seasons else "")
                 + ": off them a clean season reads 2.7–4.9× worse than seasonal naive (`scripts/eval/sine_probe.py`). "
                 "So the service reads a fixed-step series whose season is off that list, or would fill the context fewer "
                 "than 8 times, on another grid on which it is on the list and fits (docs/FORECASTING.md: e.g. 10-minute data "
                 "on a 15-minute grid) and interpolates the forecast back "
                 "(`metadata.modelGrid.coarsening`); detail within a coarser step is not forecast. Business days (season 5) "
                 "keep their own grid and their weekly season is not copied (`test/models/seasons.spec.ts`: 4.55× seasonal naive "
                 "on clean sines around 0)"
                 + (", unless the seasonal adjustment divides it out first (a positive series with a clear season: 0.81× on the "
                    "same sines around 10)" if e.get("seasonalAdjustment") else "") + ".")
    L.append(f"* Small ({e['parameters']:,} parameters) and briefly trained on CPU: far below published foundation models "
             "of the same architecture (TiRex 35M, FlowState 9.1M).")
    if d.get("context"):
        # The shortest context and horizon of any branch the batches were drawn from (short, tiny).
        extra = [(d.get(f"{b}_context"), d.get(f"{b}_horizon")) for b in ("short", "tiny") if d.get(f"{b}_prob")]
        lo = min([d["context"][0]] + [c[0] for c, _ in extra])
        h_lo = min([d["horizon"][0]] + [h[0] for _, h in extra])
        L.append(f"* Trained on contexts of {lo}–{d['context'][1]} steps and horizons of {h_lo}–{d['horizon'][1]}: "
                 f"series shorter than {lo} steps" + (" (the yearly and quarterly competition sets have 11–72 points)" if lo > 11 else "") + " are "
                 "outside what it was trained on" + (" (they reach it left-padded with missing values)" if e["family"] == "xlstm" else "")
                 + "; horizons beyond the trained maximum are extrapolation.")
    if worse_sn:
        L.append(f"* Worse than seasonal naive (rel MASE > 1) on: {', '.join(worse_sn)}.")
    if worse_ets:
        L.append(f"* Worse than ETS (MASE) on: {', '.join(worse_ets)}.")
    if better_ets:
        L.append(f"* Better than ETS (MASE) on: {', '.join(better_ets)}.")
    L.append("* Trained on synthetic series only; no covariates; univariate (multivariate inputs are forecast column by column).")
    L.append(f"\nLicence: {e.get('licence')}.\n")
    return "\n".join(L)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=".tmp/eval/results.json")
    ap.add_argument("--manifest", default="models/manifest.json")
    ap.add_argument("--out", default="models/cards")
    a = ap.parse_args(argv)
    with open(a.results) as f:
        r = json.load(f)
    with open(a.manifest) as f:
        manifest = json.load(f)
    os.makedirs(a.out, exist_ok=True)
    info = {"n": len(r["results"]), "d": r["datasets"]}
    for e in manifest["models"]:
        if e["id"].endswith("-dev") or e["id"] not in r["summary"]:
            continue
        with open(os.path.join(a.out, f"{e['id']}.md"), "w") as f:
            f.write(card(e, r["results"], r["summary"], info, manifest.get("default"), r["date"], r["commit"]))
        print(f"{a.out}/{e['id']}.md")


if __name__ == "__main__":
    main()
