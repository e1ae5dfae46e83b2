"""python3 -m toolchain.training.export --run runs/xlstm-small14 --id xlstm-small --out . [--fixtures] [--licence L]

Exports a trained run (`DIR/ckpt.pt` + `config.json` + `log.jsonl`, toolchain.training.train) through
the family's ONNX exporter (the same input/output contract as the dev models), checks the graph with
onnx.checker, writes parity fixtures (PyTorch outputs on fixed inputs, checked against
onnxruntime-node by test/models/parity.spec.ts) and upserts the manifest entry with provenance: the
synthetic generator configuration, trained steps of the planned schedule, seed, training wall time,
hardware, final validation loss and parameter count."""
import argparse
import json
import os

import numpy as np
import onnx
import torch

from ..common.manifest import upsert_manifest_entry
from ..common.safetensors import save_safetensors
from ..synthetic.registry import DEFAULT_MIX
from ..synthetic.sampler import DEFAULT_AUG, MAX_RATE, TARGET_PERIODS
from .configs import config_for
from .families import build_model

FIXTURE_SEED = 20261129
TOLERANCE = {"maxRelError": 1e-4, "definition": "max|a-b| / max|b| per output tensor"}


def read_run(run_dir):
    """(model in eval mode with the checkpoint's weights, checkpoint step, run meta, log records)."""
    with open(os.path.join(run_dir, "config.json")) as f:
        meta = json.load(f)
    ck = torch.load(os.path.join(run_dir, "ckpt.pt"), map_location="cpu")
    tc = config_for(meta["family"], meta["config"])
    model = build_model(meta["family"], tc.model, meta["seed"])
    model.load_state_dict(ck["model"], strict=True)
    log = []
    log_path = os.path.join(run_dir, "log.jsonl")
    if os.path.exists(log_path):
        with open(log_path) as f:
            log = [json.loads(line) for line in f if line.strip()]
    return model.eval(), int(ck["step"]), {**meta, **{k: ck["meta"][k] for k in ("family", "config", "steps", "batch", "seed")}}, log


def training_summary(log, step):
    """Training wall time (sum over the log records of steps since the previous record / steps_per_s;
    validation time is not included) and the last validation loss at or before `step`."""
    recs = sorted((r for r in log if r["step"] <= step), key=lambda r: r["step"])
    wall, prev = 0.0, 0
    for r in recs:
        if r.get("steps_per_s"):
            wall += (r["step"] - prev) / r["steps_per_s"]
        prev = r["step"]
    vals = [r for r in recs if "val_loss" in r]
    first = vals[0] if vals else None
    last = vals[-1] if vals else None
    return {
        "wallTimeSec": round(wall, 3),
        "wallTimeNote": "training steps only (sum of logged steps / steps_per_s); validation passes excluded",
        "finalValidationLoss": None if last is None else round(float(last["val_loss"]), 5),
        "finalValidationStep": None if last is None else last["step"],
        "initialValidationLoss": None if first is None else round(float(first["val_loss"]), 5),
    }


def prior_periods(prior):
    return sorted({float(x) for p in prior["profiles"].values() for x in p["periods"]})


def generator_config(data_cfg):
    data_cfg = data_cfg or {}
    prior = data_cfg.get("prior")
    if prior:  # the v2 prior (synthetic.sampler_v2): series drawn at their period directly, no resampling
        return {"mixture": dict(prior["families"]), "augmentations": dict(prior["augment"]), "targetPeriods": prior_periods(prior),
                "maxResampleRate": 1.0, "data": data_cfg,
                "validation": "fixed synthetic set (toolchain.training.data.VAL_SEED); loss = mean pinball over 9 quantiles in the context's scaled units"}
    return {
        "mixture": dict(data_cfg.get("mix") or DEFAULT_MIX),
        "augmentations": dict(DEFAULT_AUG),
        "targetPeriods": list(data_cfg.get("periods") or TARGET_PERIODS),
        "maxResampleRate": MAX_RATE,
        "data": data_cfg,
        "validation": "fixed synthetic set (toolchain.training.data.VAL_SEED); loss = mean pinball over 9 quantiles in the context's scaled units",
    }


def xlstm_fixtures(model, model_id, out_dir):
    from ..xlstm.export import HEAD_NAMES, head_tensors
    from ..xlstm.export_dev import cases
    rng = np.random.default_rng(FIXTURE_SEED)
    fdir = os.path.join(out_dir, "fixtures", model_id)
    os.makedirs(fdir, exist_ok=True)
    index = {"model": model_id, "tolerance": TOLERANCE, "cases": []}
    for name, ctx, k, custom, description in cases(rng):
        tensors = {"context": ctx, "new_patches": np.array([k], dtype=np.int64)}
        head = None
        if custom:
            h = {n: v + rng.normal(0, 0.05, v.shape).astype(np.float32) for n, v in head_tensors(model).items()}
            tensors.update(h)
            head = {n[len("head."):]: torch.from_numpy(h[n]) for n in HEAD_NAMES}
        with torch.no_grad():
            q, e, loc, scale = model(torch.from_numpy(ctx), k, head=head)
        tensors.update({"quantiles": q.numpy(), "embeddings": e.numpy(), "loc": loc.numpy(), "scale": scale.numpy()})
        save_safetensors(os.path.join(fdir, f"{name}.safetensors"), tensors)
        index["cases"].append({"name": name, "file": f"{name}.safetensors", "description": description,
                               "inputs": ["context", "new_patches"], "outputs": ["quantiles", "embeddings", "loc", "scale"],
                               "head": "custom" if custom else "default"})
    return _write_index(fdir, index)


def ssm_fixtures(model, model_id, out_dir):
    from ..ssm.export import head_tensors
    from ..ssm.export_dev import cases
    rng = np.random.default_rng(FIXTURE_SEED)
    fdir = os.path.join(out_dir, "fixtures", model_id)
    os.makedirs(fdir, exist_ok=True)
    index = {"model": model_id, "tolerance": TOLERANCE, "cases": []}
    base = head_tensors(model)
    for name, ctx, s, h, custom in cases(rng):
        tensors = {"context": ctx, "scale_factor": np.array([s], dtype=np.float32), "horizon": np.array([h], dtype=np.int64)}
        head = None
        if custom:
            hd = {k: v + rng.normal(0, 0.05, v.shape).astype(np.float32) for k, v in base.items()}
            tensors.update(hd)
            head = {"weight": torch.from_numpy(hd["head.weight"]), "bias": torch.from_numpy(hd["head.bias"])}
        with torch.no_grad():
            q, e, loc, scale = model(torch.from_numpy(ctx), torch.tensor([np.float32(s)]), torch.tensor([h]), head=head)
        tensors.update({"quantiles": q.numpy(), "embeddings": e.numpy(), "loc": loc.numpy(), "scale": scale.numpy()})
        save_safetensors(os.path.join(fdir, f"{name}.safetensors"), tensors)
        index["cases"].append({"name": name, "file": f"{name}.safetensors", "inputs": ["context", "scale_factor", "horizon"],
                               "outputs": ["quantiles", "embeddings", "loc", "scale"], "head": "custom" if custom else "default"})
    return _write_index(fdir, index)


def _write_index(fdir, index):
    with open(os.path.join(fdir, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return index


def trained_seasons(data):
    """The integer seasonal periods a run's data config draws (synthetic.sampler.TARGET_PERIODS when it names none)."""
    from ..synthetic.sampler import TARGET_PERIODS
    periods = prior_periods(data["prior"]) if (data or {}).get("prior") else (data or {}).get("periods") or TARGET_PERIODS
    return sorted({int(round(p)) for p in periods if abs(p - round(p)) < 1e-9 and round(p) >= 2})


def export_run(run_dir, model_id, out_dir, fixtures=True, licence="Apache-2.0", default_context=None, negation_ensemble=False,
               context_selection=None, context_selection_top=2, context_selection_windows=2, seasonal_adjustment=None,
               scale_periods=None, context_padding=None, seasonal_adjustment_additive=None):
    """Exports the run's checkpoint as `model_id`; returns the manifest entry."""
    model, step, meta, log = read_run(run_dir)
    family = meta["family"]
    summary = training_summary(log, step)
    planned = meta["steps"]
    complete = step >= planned
    provenance = {
        "source": f"trained here on synthetic data only (toolchain.training, run {os.path.basename(os.path.normpath(run_dir))}, "
                  f"config {meta['config']})" + ("" if complete else f"; step {step} of {planned} (schedule not finished)"),
        "run": os.path.basename(os.path.normpath(run_dir)),
        "seed": meta["seed"],
        "trainedSteps": step,
        "plannedSteps": meta["steps"],
        "batch": meta["batch"],
        "trainConfig": meta["config"],
        "generator": generator_config(meta.get("data")),
        **summary,
    }
    if meta.get("initFrom"):
        # Continued pre-training: this run started from another run's weights.
        provenance["initFrom"] = meta["initFrom"]
        provenance["totalSteps"] = step + meta["initFrom"]["priorSteps"]
        provenance["source"] += (f"; continued from run {meta['initFrom']['run']} (config {meta['initFrom']['config']}, "
                                 f"{meta['initFrom']['priorSteps']} steps before this run)")
    if family == "xlstm":
        from ..xlstm.convert import manifest_entry
    else:
        from ..ssm.convert import manifest_entry
    entry = manifest_entry(model, model_id, out_dir, provenance, licence)
    if family == "xlstm":
        # The seasons this run drew (whole grid steps): the service reads a series whose season is off
        # them on a grid where it is on them (libs/forecasting pipeline.ts xlstmGrid). Free periods
        # (free_period_prob) are not listed: a share of them did not teach the model other seasons
        # (training HISTORY.md, xlstm small11).
        entry["seasons"] = trained_seasons(meta.get("data"))
    if default_context:
        # Without a `contextLength` in the request the service feeds at most this many grid steps
        # (e.g. the longest context the run was trained on); a request may still ask for up to contextLength.
        if not 0 < default_context <= entry["contextLength"]:
            raise ValueError(f"--default-context {default_context} must be in 1..{entry['contextLength']}")
        entry["defaultContext"] = int(default_context)
    if negation_ensemble:
        # The runtime serves (f(x)_l - f(-x)_{1-l}) / 2 with the model's own head (two passes).
        entry["negationEnsemble"] = True
    if context_selection:
        # Catalog forecasts without a `contextLength`: every candidate context is scored on the last
        # `windows` horizons of the series' own history and the `top` best are averaged (libs/forecasting).
        cands = sorted({int(c) for c in context_selection})
        if len(cands) < 2 or cands[0] < 1 or cands[-1] > entry["contextLength"]:
            raise ValueError(f"--context-selection needs >= 2 lengths in 1..{entry['contextLength']}, got {context_selection}")
        if not 1 <= context_selection_top <= len(cands):
            raise ValueError(f"--context-selection-top must be in 1..{len(cands)}")
        if not 1 <= context_selection_windows <= 8:
            raise ValueError("--context-selection-windows must be in 1..8")
        entry["contextSelection"] = {"candidates": cands, "top": int(context_selection_top), "windows": int(context_selection_windows)}
    if seasonal_adjustment:
        # Catalog forecasts divide a positive series with a significant season by its multiplicative
        # profile, estimated on the last `cycles` seasons, and multiply the forecast back
        # (libs/forecasting seasonal-adjustment.ts).
        if not 3 <= int(seasonal_adjustment) <= 64:
            raise ValueError(f"--seasonal-adjustment must be in 3..64 (seasons), got {seasonal_adjustment}")
        entry["seasonalAdjustment"] = {"cycles": int(seasonal_adjustment)}
        if seasonal_adjustment_additive is not None:
            # The additive profile instead, where its residual sum of squares is below this fraction of
            # the multiplicative one's (a season whose swing does not grow with the level).
            if not 0 < float(seasonal_adjustment_additive) <= 1:
                raise ValueError(f"--seasonal-adjustment-additive must be in (0, 1], got {seasonal_adjustment_additive}")
            entry["seasonalAdjustment"]["additive"] = float(seasonal_adjustment_additive)
    elif seasonal_adjustment_additive is not None:
        raise ValueError("--seasonal-adjustment-additive needs --seasonal-adjustment")
    if scale_periods:
        # ssm: the period the scale factor s = 24 / p is computed from, per detected season m, where the
        # model reads m better at another scale (measured with scripts/eval/sine_probe.py; pipeline.ts ssmScalePeriod).
        if family != "ssm":
            raise ValueError("--scale-periods is read by the ssm family only")
        sp = {int(m): int(p) for m, p in dict(scale_periods).items()}
        if any(m < 1 or p < 1 for m, p in sp.items()):
            raise ValueError(f"--scale-periods needs positive integers, got {scale_periods}")
        entry["scalePeriods"] = {str(m): p for m, p in sorted(sp.items())}
    if context_padding is not None:
        # xlstm: a short context is left-padded to whole patches (at least this many), as the run fed its
        # contexts (toolchain.xlstm.preprocess.left_pad_to_patches), not to the model's whole window.
        if family != "xlstm":
            raise ValueError("--context-padding is read by the xlstm family only")
        if not 1 <= int(context_padding) <= entry["contextLength"] // entry["patchSize"]:
            raise ValueError(f"--context-padding must be in 1..{entry['contextLength'] // entry['patchSize']} (patches), got {context_padding}")
        entry["contextPadding"] = {"minPatches": int(context_padding)}
    onnx.checker.check_model(onnx.load(os.path.join(out_dir, entry["file"])))
    upsert_manifest_entry(os.path.join(out_dir, "manifest.json"), entry)
    if fixtures:
        (xlstm_fixtures if family == "xlstm" else ssm_fixtures)(model, model_id, out_dir)
    return entry


def parse_scale_periods(text):
    """'2:4,3:6' -> {2: 4, 3: 6}."""
    try:
        return {int(m): int(p) for m, p in (pair.split(":") for pair in text.split(","))}
    except ValueError:
        raise SystemExit(f"--scale-periods: expected M:P pairs separated by commas, got {text!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m toolchain.training.export")
    ap.add_argument("--run", required=True, help="training run directory (ckpt.pt, config.json, log.jsonl)")
    ap.add_argument("--id", required=True, help="model id in the manifest (file names <id>.onnx, <id>.head.safetensors)")
    ap.add_argument("--out", required=True, help="models directory holding manifest.json")
    ap.add_argument("--no-fixtures", action="store_true", help="skip the parity fixtures under <out>/fixtures/<id>/")
    ap.add_argument("--licence", default="Apache-2.0")
    ap.add_argument("--default-context", type=int, default=None,
                    help="manifest defaultContext: grid steps fed when a request names no contextLength (default: contextLength)")
    ap.add_argument("--context-selection", default=None,
                    help="manifest contextSelection: comma-separated candidate context lengths, scored per series on its own last horizon")
    ap.add_argument("--context-selection-top", type=int, default=2, help="how many of the best candidates are averaged")
    ap.add_argument("--context-selection-windows", type=int, default=2,
                    help="validation windows (one horizon each, at the end of the history) the candidates are scored on")
    ap.add_argument("--negation-ensemble", action="store_true",
                    help="manifest negationEnsemble: serve the average of the forecasts of x and of -x, mirrored (two passes)")
    ap.add_argument("--seasonal-adjustment", type=int, default=None, metavar="CYCLES",
                    help="manifest seasonalAdjustment: divide a positive series with a significant season by its "
                         "multiplicative profile over the last CYCLES seasons before the model reads it (3..64)")
    ap.add_argument("--seasonal-adjustment-additive", type=float, default=None, metavar="RATIO",
                    help="with --seasonal-adjustment: use the additive profile instead where its residual sum of squares "
                         "is below RATIO times the multiplicative one's, in (0, 1]")
    ap.add_argument("--scale-periods", default=None, metavar="M:P,...",
                    help="ssm: manifest scalePeriods, the period P the scale factor 24 / P is computed from for a "
                         "detected season M (e.g. 2:4); a season not listed is read as itself")
    ap.add_argument("--context-padding", type=int, default=None, metavar="MIN_PATCHES",
                    help="xlstm: manifest contextPadding, left-pad a short context to whole patches (at least MIN_PATCHES) "
                         "as training did, instead of to the whole window")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    e = export_run(a.run, a.id, a.out, fixtures=not a.no_fixtures, licence=a.licence, default_context=a.default_context,
                   negation_ensemble=a.negation_ensemble,
                   context_selection=[int(x) for x in a.context_selection.split(",")] if a.context_selection else None,
                   context_selection_top=a.context_selection_top, context_selection_windows=a.context_selection_windows,
                   seasonal_adjustment=a.seasonal_adjustment, seasonal_adjustment_additive=a.seasonal_adjustment_additive,
                   scale_periods=parse_scale_periods(a.scale_periods) if a.scale_periods else None,
                   context_padding=a.context_padding)
    p = e["provenance"]
    print(f"{e['id']}: {e['family']} {e['parameters']} parameters, step {p['trainedSteps']}/{p['plannedSteps']}, "
          f"val loss {p['finalValidationLoss']}, wall {p['wallTimeSec']} s, sha256 {e['sha256'][:12]}")


if __name__ == "__main__":
    main()
