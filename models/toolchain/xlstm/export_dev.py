"""The xlstm-dev model: small, random weights (fixed seed), for parity tests only, and its fixtures."""
import json
import os

import numpy as np
import torch

from ..common.manifest import upsert_manifest_entry
from ..common.safetensors import save_safetensors
from .config import XlstmConfig
from .convert import manifest_entry
from .export import HEAD_NAMES, head_tensors
from .model import XlstmForecaster

MODEL_ID = "xlstm-dev"
SEED = 20261128
CONFIG = XlstmConfig(embedding_dim=128, num_blocks=2, num_heads=4, input_ff_dim=256, context_length=512)


def build():
    torch.manual_seed(SEED)
    model = XlstmForecaster(CONFIG)
    with torch.no_grad():  # random but non-trivial recurrent weights, biases and norms
        for name, p in model.named_parameters():
            if "_recurrent_kernel_" in name or "_bias_" in name or "group_norm" in name:
                p.normal_(0, 0.1)
    return model.eval()


def series(rng, b, length):
    t = np.arange(length)
    x = 10 + 3 * np.sin(2 * np.pi * t / 24)[None, :] + rng.normal(0, 1, (b, length)).cumsum(1) * 0.3
    return (x * rng.uniform(0.5, 50, (b, 1))).astype(np.float32)


def cases(rng):
    """(name, context, new_patches, custom head, description). Contexts are fed as they are: the graph
    left-pads to whole patches and does not cut (the runtime cuts/pads to contextLength)."""
    c1 = series(rng, 1, 64); c1[0, [3, 17, 40]] = np.nan
    c2 = series(rng, 3, 512); c2[0, :200] = np.nan; c2[1, :] = np.nan; c2[2, 100:140] = np.nan
    c3 = series(rng, 8, 1024); c3[:, 5] = np.nan
    c4 = series(rng, 3, 100)
    c5 = series(rng, 2, 256)
    return [
        ("b1_len64_k1", c1, 1, False, "short context, scattered NaN"),
        ("b3_len512_nan_blocks_k1", c2, 1, False, "leading NaN block, an all-NaN row, an inner NaN block"),
        ("b8_len1024_k3", c3, 3, False, "longer than contextLength (512), batch 8, 3 patches per pass"),
        ("b3_len100_unaligned_k2", c4, 2, False, "length not a multiple of 32 (graph left-pads with NaN)"),
        ("b2_len256_custom_head", c5, 1, True, "perturbed head weights fed as inputs"),
    ]


def perturbed_head(model, rng):
    return {k: (v + rng.normal(0, 0.05, v.shape).astype(np.float32)) for k, v in head_tensors(model).items()}


def write_fixtures(model, out_dir):
    rng = np.random.default_rng(SEED)
    fdir = os.path.join(out_dir, "fixtures", MODEL_ID)
    os.makedirs(fdir, exist_ok=True)
    index = {"model": MODEL_ID, "tolerance": {"maxRelError": 1e-4, "definition": "max|a-b| / max|b| per output tensor"}, "cases": []}
    for name, ctx, k, custom, description in cases(rng):
        x = torch.from_numpy(ctx)
        tensors = {"context": ctx, "new_patches": np.array([k], dtype=np.int64)}
        head = None
        if custom:
            h = perturbed_head(model, rng)
            tensors.update(h)
            head = {n[len("head."):]: torch.from_numpy(h[n]) for n in HEAD_NAMES}
        with torch.no_grad():
            q, e, loc, scale = model(x, k, head=head)
        tensors.update({"quantiles": q.numpy(), "embeddings": e.numpy(), "loc": loc.numpy(), "scale": scale.numpy()})
        save_safetensors(os.path.join(fdir, f"{name}.safetensors"), tensors)
        index["cases"].append({"name": name, "file": f"{name}.safetensors", "description": description,
                               "inputs": ["context", "new_patches"], "outputs": ["quantiles", "embeddings", "loc", "scale"],
                               "head": "custom" if custom else "default"})
    index["bf16VsFp32"] = bf16_vs_fp32(model, "b8_len1024_k3", cases(np.random.default_rng(SEED))[2][1], 3)
    with open(os.path.join(fdir, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return index


def bf16_vs_fp32(model, name, ctx, k):
    """How far the official bf16 recurrence is from the fp32 graph, in units of each series' scale."""
    x = torch.from_numpy(ctx)
    with torch.no_grad():
        q32, _, _, scale = model(x, k)
        q16 = model(x, k, precision="bf16")[0]
    err = (q16 - q32).abs() / scale[:, None, None]
    return {"case": name, "maxAbsErrorInScaleUnits": float(err.max()), "meanAbsErrorInScaleUnits": float(err.mean()),
            "maxAbsOverMeanAbsForecast": float((q16 - q32).abs().max() / q32.abs().mean())}


def main(out_dir):
    model = build()
    entry = manifest_entry(model, MODEL_ID, out_dir, {
        "source": "random initialisation (fixed seed) for parity tests; not a forecaster",
        "seed": SEED, "trainedSteps": 0, "generator": None, "wallTimeSec": 0,
    }, "Apache-2.0")
    upsert_manifest_entry(os.path.join(out_dir, "manifest.json"), entry)
    return write_fixtures(model, out_dir)
