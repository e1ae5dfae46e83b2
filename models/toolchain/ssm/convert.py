"""Loads official FlowState r1 / r1.1 checkpoints (`model.safetensors` + `config.json`)."""
import json
import os

import torch

from ..common import QUANTILES
from ..common.manifest import CONVERTED_PROVENANCE, build_entry, upsert_manifest_entry
from ..common.safetensors import load_safetensors
from .config import SsmConfig
from .export import HEAD_NAMES, export_ssm
from .model import SsmForecaster, count_parameters

PREFIX = "model."


def _paths(checkpoint):
    if os.path.isdir(checkpoint):
        return os.path.join(checkpoint, "model.safetensors"), os.path.join(checkpoint, "config.json")
    return checkpoint, os.path.join(os.path.dirname(checkpoint), "config.json")


def load_checkpoint(checkpoint):
    st_path, cfg_path = _paths(checkpoint)
    with open(cfg_path) as f:
        cfg = SsmConfig.from_hf(json.load(f))
    tensors = {(k[len(PREFIX):] if k.startswith(PREFIX) else k): v for k, v in load_safetensors(st_path).items()}
    if cfg.mlp_type != "gated":  # which r1.1 MLP projections carry a bias is read off the checkpoint
        cfg.mlp_bias = [f"encoder.layers.0.mlp.{w}.bias" in tensors for w in ("w1", "w2", "w3")]
    model = SsmForecaster(cfg)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return model.eval()


def manifest_entry(model, model_id, out_dir, provenance, licence):
    onnx_file, head_file = f"{model_id}.onnx", f"{model_id}.head.safetensors"
    inputs, outputs, sha, head_sha = export_ssm(model, os.path.join(out_dir, onnx_file), os.path.join(out_dir, head_file))
    cfg = model.cfg
    # Single pass: the masked future rows come out of the context window (2048/s - mask_n).
    return build_entry(
        model_id=model_id, family="ssm", onnx_file=onnx_file, sha=sha, head_file=head_file, head_sha=head_sha,
        head_names=HEAD_NAMES, inputs=inputs, outputs=outputs, config=cfg.to_dict(), context_length=cfg.context_length,
        patch_size=cfg.decoder_patch_len, max_horizon=cfg.context_length // 2, parameters=count_parameters(model), provenance=provenance,
        licence=licence, quantiles=QUANTILES,
    )


def convert_checkpoint(checkpoint_path, out_dir, model_id="flowstate"):
    model = load_checkpoint(checkpoint_path)
    entry = manifest_entry(model, model_id, out_dir, {
        "source": f"converted from the official FlowState checkpoint {checkpoint_path}",
        **CONVERTED_PROVENANCE,
    }, "Apache-2.0 (IBM granite-timeseries-flowstate; see its model card)")
    upsert_manifest_entry(os.path.join(out_dir, "manifest.json"), entry)
    return entry
