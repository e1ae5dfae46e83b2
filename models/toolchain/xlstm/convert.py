"""Loads the official TiRex Lightning checkpoint (`model.ckpt`) into the reference model."""
import os

import torch

from .. import TOOLCHAIN_VERSION
from ..common import QUANTILES
from ..common.manifest import hardware, now_iso, upsert_manifest_entry
from .config import XlstmConfig
from .export import HEAD_NAMES, export_xlstm
from .model import XlstmForecaster, count_parameters

PREFIX = "block_stack."


def strip_prefix(state_dict):
    return {(k[len(PREFIX):] if k.startswith(PREFIX) else k): v for k, v in state_dict.items()}


def load_checkpoint(path):
    ckpt = torch.load(path, map_location="cpu")
    cfg = XlstmConfig.from_tirex_hparams(ckpt.get("hyper_parameters", {}))
    model = XlstmForecaster(cfg)
    model.load_state_dict(strip_prefix(ckpt["state_dict"]), strict=True)
    return model.eval()


def manifest_entry(model, model_id, out_dir, provenance, licence):
    onnx_file, head_file = f"{model_id}.onnx", f"{model_id}.head.safetensors"
    inputs, outputs, sha, head_sha = export_xlstm(model, os.path.join(out_dir, onnx_file), os.path.join(out_dir, head_file))
    cfg = model.cfg
    return {
        "id": model_id,
        "family": "xlstm",
        "file": onnx_file,
        "sha256": sha,
        "contextLength": cfg.context_length,
        "patchSize": cfg.patch_size,
        "quantiles": QUANTILES,
        # Beyond ~the context length the rollout window is all NaN and forecasts collapse (tirex#27).
        "maxHorizon": cfg.context_length,
        "supportsMissing": True,
        "inputs": inputs,
        "outputs": outputs,
        "head": {"file": head_file, "sha256": head_sha, "tensors": HEAD_NAMES},
        "config": cfg.to_dict(),
        "parameters": count_parameters(model),
        "provenance": {"toolchainVersion": TOOLCHAIN_VERSION, "createdAt": now_iso(), "hardware": hardware(), **provenance},
        "licence": licence,
    }


def convert_checkpoint(checkpoint_path, out_dir, model_id="tirex"):
    model = load_checkpoint(checkpoint_path)
    entry = manifest_entry(model, model_id, out_dir, {
        "source": f"converted from the official TiRex checkpoint {os.path.basename(checkpoint_path)}",
        "seed": None, "trainedSteps": None, "generator": None, "wallTimeSec": None,
    }, "NX-AI TiRex licence (see the checkpoint's model card)")
    upsert_manifest_entry(os.path.join(out_dir, "manifest.json"), entry)
    return entry
