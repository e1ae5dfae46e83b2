"""Loads the official TiRex Lightning checkpoint (`model.ckpt`) into the reference model."""
import os

import torch

from ..common import QUANTILES
from ..common.manifest import CONVERTED_PROVENANCE, build_entry, upsert_manifest_entry
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
    # Beyond ~the context length the rollout window is all NaN and forecasts collapse (tirex#27).
    return build_entry(
        model_id=model_id, family="xlstm", onnx_file=onnx_file, sha=sha, head_file=head_file, head_sha=head_sha,
        head_names=HEAD_NAMES, inputs=inputs, outputs=outputs, config=cfg.to_dict(), context_length=cfg.context_length,
        patch_size=cfg.patch_size, max_horizon=cfg.context_length, parameters=count_parameters(model), provenance=provenance,
        licence=licence, quantiles=QUANTILES,
    )


def convert_checkpoint(checkpoint_path, out_dir, model_id="tirex"):
    model = load_checkpoint(checkpoint_path)
    entry = manifest_entry(model, model_id, out_dir, {
        "source": f"converted from the official TiRex checkpoint {os.path.basename(checkpoint_path)}",
        **CONVERTED_PROVENANCE,
    }, "NX-AI TiRex licence (see the checkpoint's model card)")
    upsert_manifest_entry(os.path.join(out_dir, "manifest.json"), entry)
    return entry
