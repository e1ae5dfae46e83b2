"""The ssm-dev model: small, HiPPO-initialised random weights (fixed seed), for parity tests only."""
import json
import os

import numpy as np
import torch

from ..common.manifest import upsert_manifest_entry
from ..common.safetensors import save_safetensors
from .config import SsmConfig
from .convert import manifest_entry
from .export import head_tensors
from .model import SsmForecaster, hippo_init

MODEL_ID = "ssm-dev"
SEED = 20261128
CONFIG = SsmConfig(context_length=512, embedding_feature_dim=64, encoder_num_layers=2, encoder_state_dim=64,
                   encoder_num_hippo_blocks=2, decoder_dim=32, min_context=512)


def build():
    torch.manual_seed(SEED)
    return hippo_init(SsmForecaster(CONFIG), SEED).eval()


def series(rng, b, length):
    t = np.arange(length)
    x = 100 + 20 * np.sin(2 * np.pi * t / 24)[None, :] + rng.normal(0, 1, (b, length)).cumsum(1)
    return (x * rng.uniform(0.1, 10, (b, 1))).astype(np.float32)


def cases(rng):
    c1 = series(rng, 1, 48); c1[0, [5, 6, 30]] = np.nan
    c2 = series(rng, 3, 512); c2[0, :100] = np.nan; c2[2, 200:260] = np.nan
    c3 = series(rng, 8, 1000); c3[3, 990] = np.nan
    c4 = series(rng, 3, 300); c4[1, :37] = np.nan
    c5 = series(rng, 2, 200)
    c6 = series(rng, 4, 512); c6[0, :450] = np.nan; c6[2, :] = np.nan  # a short row padded in a batch, an all-NaN row
    return [
        ("b1_len48_s1_h10", c1, 1.0, 10, False),
        ("b3_len512_s1_h24_equal_P", c2, 1.0, 24, False),
        ("b8_len1000_s1_h77_3P_plus_5", c3, 1.0, 77, False),
        ("b3_len300_s2_h30", c4, 2.0, 30, False),
        ("b3_len300_s0.25_h100", c4, 0.25, 100, False),
        ("b3_len300_s24over7_h40", c4, 24 / 7, 40, False),
        ("b4_len512_s1_h47_official_tail_bug", c6, 1.0, 47, False),
        ("b4_len512_s24over168_h200", c6, 24 / 168, 200, False),  # float32 s: 24/s must still floor to 168
        ("b2_len200_custom_head", c5, 1.0, 30, True),
    ]


def write_fixtures(model, out_dir):
    rng = np.random.default_rng(SEED)
    fdir = os.path.join(out_dir, "fixtures", MODEL_ID)
    os.makedirs(fdir, exist_ok=True)
    index = {"model": MODEL_ID, "tolerance": {"maxRelError": 1e-4, "definition": "max|a-b| / max|b| per output tensor"}, "cases": []}
    base = head_tensors(model)
    for name, ctx, s, h, custom in cases(rng):
        tensors = {"context": ctx, "scale_factor": np.array([s], dtype=np.float32), "horizon": np.array([h], dtype=np.int64)}
        head = None
        if custom:
            hd = {k: (v + rng.normal(0, 0.05, v.shape).astype(np.float32)) for k, v in base.items()}
            tensors.update(hd)
            head = {"weight": torch.from_numpy(hd["head.weight"]), "bias": torch.from_numpy(hd["head.bias"])}
        with torch.no_grad():
            q, e, loc, scale = model(torch.from_numpy(ctx), torch.tensor([np.float32(s)]), torch.tensor([h]), head=head)
        tensors.update({"quantiles": q.numpy(), "embeddings": e.numpy(), "loc": loc.numpy(), "scale": scale.numpy()})
        save_safetensors(os.path.join(fdir, f"{name}.safetensors"), tensors)
        index["cases"].append({"name": name, "file": f"{name}.safetensors", "inputs": ["context", "scale_factor", "horizon"],
                               "outputs": ["quantiles", "embeddings", "loc", "scale"], "head": "custom" if custom else "default"})
    with open(os.path.join(fdir, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return index


def main(out_dir):
    model = build()
    entry = manifest_entry(model, MODEL_ID, out_dir, {
        "source": "HiPPO-N initialisation with random projections (fixed seed) for parity tests; not a forecaster",
        "seed": SEED, "trainedSteps": 0, "generator": None, "wallTimeSec": 0,
    }, "Apache-2.0")
    upsert_manifest_entry(os.path.join(out_dir, "manifest.json"), entry)
    return write_fixtures(model, out_dir)


if __name__ == "__main__":
    main(os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
