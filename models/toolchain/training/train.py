"""Pre-train an xlstm or ssm forecaster on synthetic series.

python3 -m toolchain.training.train --family xlstm|ssm --config RECIPE --out DIR --steps N --batch B --seed S
        [--resume] [--workers 1] [--stop-after M] [--threads 2]
        [--init-from OTHER_RUN/ckpt.pt] [--device cpu|cuda] [--max-minutes M]

RECIPE: a [FAMILY.RECIPE] table of recipes.toml (small9, small14, gpu, tiny, ...).

DIR gets log.jsonl (one JSON object per logged step: step, loss, loss_avg, lr, steps_per_s, and
val_loss on the fixed validation set every eval_every steps, step 0 included), ckpt.pt (model,
optimizer, scheduler, RNG state) every checkpoint_every steps and at the end, config.json."""
import argparse
import dataclasses
import json
import math
import os
import time

import torch

from . import checkpoint
from .configs import config_for
from .data import batches, validation_set
from .families import batch_loss, build_model, same_weights_shape


def lr_lambda(warmup, total, floor=0.05):
    def f(step):  # linear warmup, then cosine down to floor * lr
        if step < warmup:
            return (step + 1) / warmup
        t = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t))
    return f


def to_device(b, device):
    return {k: v.to(device, non_blocking=True) for k, v in b.items()}


@torch.no_grad()
def validate(family, model, val):
    model.eval()
    loss = sum(float(batch_loss(family, model, b)) for b in val) / len(val)
    model.train()
    return loss


def read_log(path, upto):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    return [r for r in recs if r["step"] <= upto]


def train(family, out, steps, batch, seed, resume=False, config="small", workers=1, stop_after=None, threads=2,
          init_from=None, device="cpu", max_minutes=None):
    """Runs (or resumes) a training run; returns the log records of the whole run so far. With
    `max_minutes` it stops after the first step past that wall time, with a checkpoint, so that a
    time-boxed machine (a GPU lent for minutes) ends cleanly and `--resume` continues the same run."""
    torch.set_num_threads(threads)
    t_start = time.monotonic()
    tc = config_for(family, config)
    os.makedirs(out, exist_ok=True)
    model = build_model(family, tc.model, seed).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(tc.warmup, steps))
    ck_path, log_path = os.path.join(out, "ckpt.pt"), os.path.join(out, "log.jsonl")
    meta = {"family": family, "config": config, "steps": steps, "batch": batch, "seed": seed,
            "model": dataclasses.asdict(tc.model), "data": dataclasses.asdict(tc.data),
            "parameters": sum(p.numel() for p in model.parameters())}
    if init_from:
        # Continue pre-training another run's model (weights only) on this config's schedule.
        ck = torch.load(init_from, map_location="cpu")
        if ck["meta"]["family"] != family or not same_weights_shape(ck["meta"]["model"], meta["model"]):
            raise ValueError("--init-from a checkpoint of another family or model shape")
        model.load_state_dict(ck["model"])
        prior = ck["meta"].get("initFrom")
        meta["initFrom"] = {"run": os.path.basename(os.path.dirname(os.path.abspath(init_from))), "config": ck["meta"]["config"],
                            "step": ck["step"], "seed": ck["meta"]["seed"], "batch": ck["meta"]["batch"],
                            "priorSteps": ck["step"] + (prior["priorSteps"] if prior else 0)}
        if "grownFrom" in ck["meta"]:  # training.grow deepened it: which blocks were the run's
            meta["initFrom"]["grownFrom"] = ck["meta"]["grownFrom"]
    start = 0
    if resume and os.path.exists(ck_path):
        start, old = checkpoint.load(ck_path, model, opt, sched)
        keys = ("family", "config", "steps", "batch", "seed", "initFrom")
        if {k: old.get(k) for k in keys} != {k: meta.get(k) for k in keys}:
            raise ValueError("--resume with different run settings than the checkpoint")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(meta, f, indent=1)
    log = read_log(log_path, start) if start else []
    val = [to_device(b, device) for b in validation_set(tc.data)]
    end = steps if stop_after is None else min(steps, stop_after)
    with open(log_path, "w") as f:
        for r in log:
            f.write(json.dumps(r) + "\n")
        if start == 0:
            log.append({"step": 0, "val_loss": validate(family, model, val)})
            f.write(json.dumps(log[-1]) + "\n")
        model.train()
        t0, acc, n = time.perf_counter(), 0.0, 0
        for step, b in batches(seed, start, end, batch, tc.data, workers):
            b = to_device(b, device)
            loss = batch_loss(family, model, b, tc.dense)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
            opt.step()
            sched.step()
            done = step + 1
            acc, n = acc + float(loss), n + 1
            out_of_time = max_minutes is not None and done < end and time.monotonic() - t_start > 60 * max_minutes
            if done % tc.log_every == 0 or done == end or out_of_time:
                rec = {"step": done, "loss": float(loss), "loss_avg": acc / n, "lr": opt.param_groups[0]["lr"],
                       "steps_per_s": n / (time.perf_counter() - t0), "context": b["context"].shape[1],
                       "horizon": b["target"].shape[1]}
                if done % tc.eval_every == 0 or done == steps or out_of_time:
                    rec["val_loss"] = validate(family, model, val)
                if out_of_time:
                    rec["stopped"] = f"max-minutes {max_minutes:g}"
                log.append(rec)
                f.write(json.dumps(rec) + "\n")
                f.flush()
                t0, acc, n = time.perf_counter(), 0.0, 0
            if done % tc.checkpoint_every == 0 or done == end or out_of_time:
                checkpoint.save(ck_path, done, model, opt, sched, meta)
            if out_of_time:
                break
    return log


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--family", choices=["xlstm", "ssm"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--config", required=True, help="a recipe of the family in recipes.toml (e.g. ssm small9, xlstm small14, gpu, tiny)")
    p.add_argument("--init-from", default=None, help="start from this checkpoint's model weights (same family and shape)")
    p.add_argument("--workers", type=int, default=1, help="background processes building batches (0 = inline)")
    p.add_argument("--stop-after", type=int, default=None, help="stop (with a checkpoint) after this step")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--max-minutes", type=float, default=None, help="stop (with a checkpoint) after the first step past this wall time")
    a = p.parse_args(argv)
    if a.workers < 0:
        p.error("--workers must be >= 0")
    try:
        config_for(a.family, a.config)
    except ValueError as e:
        p.error(f"--config: {e}")
    log = train(a.family, a.out, a.steps, a.batch, a.seed, a.resume, a.config, a.workers, a.stop_after, a.threads, a.init_from,
                a.device, a.max_minutes)
    last = log[-1]
    print(json.dumps({"step": last["step"], "loss": last.get("loss"), "val_loss": last.get("val_loss"),
                      "steps_per_s": last.get("steps_per_s")}))


if __name__ == "__main__":
    main()
