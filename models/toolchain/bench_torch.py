"""PyTorch-eager side of test/bench/model-runtime.bench.ts: writes each benchmark case's inputs
(safetensors) and times the reference forward on them, so onnxruntime-node runs the same inputs.

python3 -m toolchain.bench_torch --out DIR [--reps N] [--full-size]"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

from .common.safetensors import save_safetensors


def timed(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--batches", default="1,32,256")
    ap.add_argument("--contexts", default="512,2048")
    ap.add_argument("--full-size", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(0)
    from .ssm.export_dev import build as build_ssm
    from .xlstm.export_dev import build as build_xlstm
    models = {"xlstm-dev": build_xlstm(), "ssm-dev": build_ssm()}
    cases = []
    for mid, model in models.items():
        for L in map(int, a.contexts.split(",")):
            for B in map(int, a.batches.split(",")):
                ctx = (rng.normal(0, 1, (B, L)).cumsum(1) + 50).astype(np.float32)
                x = torch.from_numpy(ctx)
                if mid.startswith("xlstm"):
                    fn = lambda: model(x, 1)
                    extra = {"new_patches": np.array([1], dtype=np.int64)}
                else:
                    fn = lambda: model(x, torch.tensor([1.0]), torch.tensor([24]))
                    extra = {"scale_factor": np.array([1.0], dtype=np.float32), "horizon": np.array([24], dtype=np.int64)}
                with torch.no_grad():
                    sec = timed(fn, a.reps if B * L < 300_000 else 1)
                name = f"{mid}_b{B}_l{L}"
                save_safetensors(os.path.join(a.out, name + ".safetensors"), {"context": ctx, **extra})
                cases.append({"name": name, "model": mid, "batch": B, "context": L, "torchSec": sec})
                print(json.dumps(cases[-1]), flush=True)
    if a.full_size:
        from .xlstm.config import XlstmConfig
        from .xlstm.export import export_xlstm
        from .xlstm.model import XlstmForecaster
        torch.manual_seed(0)
        full = XlstmForecaster(XlstmConfig()).eval()
        export_xlstm(full, os.path.join(a.out, "tirex-full.onnx"), os.path.join(a.out, "tirex-full.head.safetensors"))
        for B in (1, 64):
            ctx = (rng.normal(0, 1, (B, 2048)).cumsum(1)).astype(np.float32)
            x = torch.from_numpy(ctx)
            with torch.no_grad():
                sec = timed(lambda: full(x, 1), 1)
            name = f"tirex-full_b{B}_l2048"
            save_safetensors(os.path.join(a.out, name + ".safetensors"), {"context": ctx, "new_patches": np.array([1], dtype=np.int64)})
            cases.append({"name": name, "model": "tirex-full", "batch": B, "context": 2048, "torchSec": sec})
            print(json.dumps(cases[-1]), flush=True)
    with open(os.path.join(a.out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=2)


if __name__ == "__main__":
    main()
