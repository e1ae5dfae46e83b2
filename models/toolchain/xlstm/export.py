"""ONNX export of the xlstm family: dynamic batch and length, `ai.tsfm::SLSTMSequence`, the
output head as graph inputs (swappable per request), the default head as a safetensors sidecar."""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn

from ..common.manifest import sha256_file
from ..common.onnx_functions import OPSET, attach_functions
from ..common.safetensors import save_safetensors
from .model import XlstmForecaster
from .onnx_ops import slstm_sequence_export, slstm_sequence_function

HEAD_NAMES = [
    "head.hidden_layer.weight", "head.hidden_layer.bias",
    "head.output_layer.weight", "head.output_layer.bias",
    "head.residual_layer.weight", "head.residual_layer.bias",
]
INPUT_NAMES = ["context", "new_patches"] + HEAD_NAMES
OUTPUT_NAMES = ["quantiles", "embeddings", "loc", "scale"]


class XlstmExportWrapper(nn.Module):
    """The reference forward pass with the head as inputs and new_patches as a tensor; every shape
    stays symbolic under tracing, so batch, length and k are dynamic in the graph."""

    def __init__(self, model: XlstmForecaster):
        super().__init__()
        self.model = model

    def forward(self, context, new_patches, hw, hb, ow, ob, rw, rb):
        head = {"hidden_layer.weight": hw, "hidden_layer.bias": hb, "output_layer.weight": ow,
                "output_layer.bias": ob, "residual_layer.weight": rw, "residual_layer.bias": rb}
        return self.model.forward_extra(context, new_patches[0] - 1, head, "fp32", slstm_sequence_export)


def head_tensors(model):
    return {f"head.{k}": v.detach().cpu().numpy().astype(np.float32) for k, v in model.head_weights().items()}


def _name_output_dims(proto, cfg):
    """The tracer cannot see through the custom op: give the outputs their fixed trailing sizes and
    readable dynamic names."""
    dims = {"quantiles": ["batch", "steps", cfg.num_quantiles], "embeddings": ["batch", "new_patches", cfg.embedding_dim],
            "loc": ["batch"], "scale": ["batch"]}
    for out in proto.graph.output:
        for d, v in zip(out.type.tensor_type.shape.dim, dims[out.name]):
            if isinstance(v, int):
                d.dim_value = v
            else:
                d.dim_param = v


def export_xlstm(model, onnx_path, head_path):
    """Writes the .onnx and the default-head sidecar; returns (inputs, outputs) descriptions."""
    model = model.eval()
    wrapper = XlstmExportWrapper(model).eval()
    head = head_tensors(model)
    ctx = torch.randn(2, 4 * model.cfg.patch_size)
    args = (ctx, torch.tensor([2], dtype=torch.int64)) + tuple(torch.from_numpy(head[n]) for n in HEAD_NAMES)
    os.makedirs(os.path.dirname(os.path.abspath(onnx_path)), exist_ok=True)
    tmp = onnx_path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(
            wrapper, args, tmp, opset_version=OPSET, input_names=INPUT_NAMES, output_names=OUTPUT_NAMES,
            dynamic_axes={"context": {0: "batch", 1: "length"}, "quantiles": {0: "batch", 1: "steps"},
                          "embeddings": {0: "batch", 1: "patches"}, "loc": {0: "batch"}, "scale": {0: "batch"}},
            custom_opsets={"ai.tsfm": 1}, do_constant_folding=True,
        )
    proto = onnx.load(tmp)
    os.remove(tmp)
    _name_output_dims(proto, model.cfg)
    attach_functions(proto, [slstm_sequence_function()])
    onnx.save(proto, onnx_path)
    save_safetensors(head_path, head, {"family": "xlstm"})
    D, P, Q = model.cfg.embedding_dim, model.cfg.patch_size, model.cfg.num_quantiles
    inputs = [{"name": "context", "dtype": "float32", "shape": ["batch", "length"]},
              {"name": "new_patches", "dtype": "int64", "shape": [1]}]
    inputs += [{"name": n, "dtype": "float32", "shape": list(head[n].shape)} for n in HEAD_NAMES]
    outputs = [{"name": "quantiles", "dtype": "float32", "shape": ["batch", f"{P}*new_patches", Q]},
               {"name": "embeddings", "dtype": "float32", "shape": ["batch", "new_patches", D]},
               {"name": "loc", "dtype": "float32", "shape": ["batch"]},
               {"name": "scale", "dtype": "float32", "shape": ["batch"]}]
    return inputs, outputs, sha256_file(onnx_path), sha256_file(head_path)
