"""python3 -m toolchain.training.finetune_full --run runs/xlstm-small14 --data windows.safetensors --out DIR --id ID
       [--blocks 1] [--steps 100] [--lr 1e-4] [--seed 0] [--batch 32] [--threads 2]

The `full` fine-tune of the service (POST /v1/finetunes with method "full"): loads a trained run's
checkpoint, unfreezes its last `blocks` blocks (xlstm: sLSTM blocks + out_norm + output head; ssm:
encoder layers + decoder), trains them with the pinball loss on the windows the worker cut from the
tenant's series, keeps the weights with the best validation WQL (zero-shot included), and exports
the result through the family's ONNX exporter into DIR (`<id>.onnx`, `<id>.head.safetensors`).

The data file (safetensors) holds `train_context` [N, L] (NaN = missing or left padding),
`train_target` [N, H] (NaN = missing), `val_context`, `val_target`, and for ssm `train_period`,
`val_period` [N] (the seasonal period in grid steps; s = 24 / period). Progress goes to stdout as one
JSON object per line ({"event": "progress", ...}); the last line is {"event": "done", ...}."""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch

from ..common.safetensors import load_safetensors
from ..ssm.config import scale_factor_from_period
from .export import read_run
from .families import batch_loss
from ..common import QUANTILES


def emit(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def trainable(model, family, blocks):
    """Freezes everything, then unfreezes the last `blocks` blocks and what follows them."""
    for p in model.parameters():
        p.requires_grad_(False)
    if family == "xlstm":
        parts = list(model.blocks[-blocks:]) + [model.out_norm, model.output_patch_embedding]
    else:
        parts = list(model.encoder.layers[-blocks:]) + [model.decoder]
    params = []
    for m in parts:
        for p in m.parameters():
            p.requires_grad_(True)
            params.append(p)
    return params


@torch.no_grad()
def predict(model, family, context, horizon, period=None):
    """Quantiles [B, H, Q] in the data's units, as the served graph computes them."""
    model.eval()
    if family == "xlstm":
        P = model.cfg.patch_size
        q = model(context, math.ceil(horizon / P))[0][:, :horizon]
    else:
        s = torch.tensor([scale_factor_from_period(float(period))], dtype=torch.float32)
        q = model(context, s, torch.tensor([horizon]))[0]
    return torch.sort(q, dim=-1).values


def evaluate(model, family, ctx, tgt, per, scale=None):
    """{"wql": mean over the levels of 2·Σ pinball / Σ|y| over every window and step, "mase": mean over
    windows of MAE(median) / the window's seasonal-naive scale} (NaN targets skipped)."""
    groups = {}
    for i in range(ctx.shape[0]):
        groups.setdefault(float(per[i]) if per is not None else 0.0, []).append(i)
    num = torch.zeros(len(QUANTILES), dtype=torch.float64)
    den = 0.0
    mase, nm = 0.0, 0
    levels = torch.tensor(QUANTILES, dtype=torch.float64)
    med = QUANTILES.index(0.5)
    for p, idx in sorted(groups.items()):
        for a in range(0, len(idx), 64):
            sel = idx[a:a + 64]
            q = predict(model, family, ctx[sel], tgt.shape[1], p).double()
            y = tgt[sel].double()
            obs = ~torch.isnan(y)
            d = torch.nan_to_num(y, nan=0.0).unsqueeze(-1) - q
            loss = torch.maximum(levels * d, (levels - 1) * d) * obs.unsqueeze(-1)
            num += loss.sum(dim=(0, 1))
            den += float(torch.nan_to_num(y, nan=0.0).abs().sum())
            if scale is not None:
                ae = (d[..., med].abs() * obs).sum(dim=1) / obs.sum(dim=1).clamp(min=1)
                for j, i in enumerate(sel):
                    sc = float(scale[i])
                    if obs[j].any() and sc > 0 and math.isfinite(sc):
                        mase += float(ae[j]) / sc
                        nm += 1
    return {"wql": float((2 * num / max(den, 1e-12)).mean()), "mase": mase / nm if nm else float("nan")}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m toolchain.training.finetune_full", description=__doc__)
    ap.add_argument("--run", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--id", required=True)
    ap.add_argument("--blocks", type=int, default=1)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--expect-step", type=int, default=None, help="fail (exit 3) unless the checkpoint is at this step")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t0 = time.perf_counter()
    model, step, meta, _ = read_run(a.run)
    family = meta["family"]
    if a.expect_step is not None and step != a.expect_step:
        emit(event="error", code="CHECKPOINT_MISMATCH",
             message=f"the checkpoint in {a.run} is at step {step}, but the served model was exported at step {a.expect_step}; re-export it")
        sys.exit(3)
    d = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in load_safetensors(a.data).items()}
    tc, tt, vc, vt = d["train_context"], d["train_target"], d["val_context"], d["val_target"]
    tp, vp, vs = d.get("train_period"), d.get("val_period"), d.get("val_scale")
    nblocks = len(model.blocks) if family == "xlstm" else len(model.encoder.layers)
    blocks = max(1, min(a.blocks, nblocks))
    params = trainable(model, family, blocks)
    opt = torch.optim.Adam(params, lr=a.lr)
    before = evaluate(model, family, vc, vt, vp, vs)
    best = (before["wql"], 0, copy.deepcopy(model.state_dict()))
    n_trainable = sum(p.numel() for p in params)
    emit(event="progress", step=0, steps=a.steps, validationWql=before["wql"], validationMase=before["mase"], blocks=blocks, trainable=n_trainable)
    rng = np.random.default_rng(a.seed)
    # ssm: one scale factor per batch, so batches are drawn within a period group.
    groups = {}
    for i in range(tc.shape[0]):
        groups.setdefault(float(tp[i]) if tp is not None else 0.0, []).append(i)
    keys = sorted(groups)
    weights = np.array([len(groups[k]) for k in keys], dtype=np.float64)
    eval_every = max(1, a.steps // 25)
    since, acc, n, s = 0, 0.0, 0, 0
    for s in range(1, a.steps + 1):
        k = keys[int(rng.choice(len(keys), p=weights / weights.sum()))]
        idx = rng.choice(groups[k], size=min(a.batch, len(groups[k])), replace=False)
        batch = {"context": tc[idx], "target": tt[idx]}
        if family == "ssm":
            batch["period"] = tp[idx]
        model.train()
        loss = batch_loss(family, model, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        acc, n = acc + float(loss), n + 1
        if s % eval_every == 0 or s == a.steps:
            m = evaluate(model, family, vc, vt, vp, vs)
            v = m["wql"]
            if v < best[0]:
                best, since = (v, s, copy.deepcopy(model.state_dict())), 0
            else:
                since += 1
            emit(event="progress", step=s, steps=a.steps, trainLoss=acc / n, validationWql=v, validationMase=m["mase"], bestStep=best[1])
            acc, n = 0.0, 0
            if since >= a.patience:
                break
    model.load_state_dict(best[2])
    model.eval()
    after = evaluate(model, family, vc, vt, vp, vs)
    if family == "xlstm":
        from ..xlstm.convert import manifest_entry
    else:
        from ..ssm.convert import manifest_entry
    os.makedirs(a.out, exist_ok=True)
    provenance = {"source": f"full fine-tune of the last {blocks} block(s) of run {os.path.basename(os.path.normpath(a.run))} (step {step})",
                  "seed": a.seed, "trainedSteps": s, "generator": None, "wallTimeSec": round(time.perf_counter() - t0, 1)}
    entry = manifest_entry(model, a.id, a.out, provenance, "tenant fine-tune")
    emit(event="done", before=before, after=after, bestStep=best[1], stepsRun=s, blocks=blocks, trainable=n_trainable, entry=entry,
         wallTimeSec=round(time.perf_counter() - t0, 1))


if __name__ == "__main__":
    main()
