"""ONNX export of the ssm family: dynamic batch, length, scale factor and horizon in one graph."""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn

from ..common.manifest import sha256_file
from ..common.onnx_functions import OPSET, attach_functions
from ..common.safetensors import save_safetensors
from .fast import forward_fast
from .onnx_ops import (chunk_carry_export, chunk_carry_function, legendre_basis_export, legendre_basis_function, s5_scan_export,
                       s5_scan_function)

HEAD_NAMES = ["head.weight", "head.bias"]
INPUT_NAMES = ["context", "scale_factor", "horizon"] + HEAD_NAMES
OUTPUT_NAMES = ["quantiles", "embeddings", "loc", "scale"]


class SsmExportWrapper(nn.Module):
    """chunked=True (the shipped graphs since 2026-12-07): the chunked-scan forward of fast.py, for models
    whose leading missing values are padding; False: SsmForecaster.forward with its Scan over every
    time step (the graphs before; they still load and run). Same weights and outputs (1e-5)."""

    def __init__(self, model, chunked=True):
        super().__init__()
        self.model = model
        self.chunked = chunked and model.cfg.leading_nan_is_padding

    def forward(self, context, scale_factor, horizon, w, b):
        head = {"weight": w, "bias": b}
        if self.chunked:
            return forward_fast(self.model, context, scale_factor, horizon, head, chunk_carry_export, legendre_basis_export)
        return self.model(context, scale_factor, horizon, head=head, scan=s5_scan_export, basis=legendre_basis_export)


def head_tensors(model):
    return {f"head.{k}": v.detach().cpu().numpy().astype(np.float32) for k, v in model.head_weights().items()}


def _name_output_dims(proto, cfg):
    """The tracer leaves the fixed trailing dims symbolic (quantiles 9, embeddings E): pin them."""
    fixed = {"quantiles": {2: cfg.num_quantiles}, "embeddings": {2: cfg.embedding_feature_dim}}
    for out in proto.graph.output:
        for axis, value in fixed.get(out.name, {}).items():
            dim = out.type.tensor_type.shape.dim[axis]
            dim.Clear()
            dim.dim_value = value


def export_ssm(model, onnx_path, head_path, chunked=True):
    model = model.eval()
    head = head_tensors(model)
    args = (torch.randn(2, 96).cumsum(1), torch.tensor([1.0]), torch.tensor([30], dtype=torch.int64),
            torch.from_numpy(head["head.weight"]), torch.from_numpy(head["head.bias"]))
    tmp = onnx_path + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(onnx_path)), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            SsmExportWrapper(model, chunked).eval(), args, tmp, opset_version=OPSET, input_names=INPUT_NAMES, output_names=OUTPUT_NAMES,
            dynamic_axes={"context": {0: "batch", 1: "length"}, "quantiles": {0: "batch", 1: "horizon"},
                          "embeddings": {0: "batch", 1: "positions"}, "loc": {0: "batch", 1: "positions"},
                          "scale": {0: "batch", 1: "positions"}},
            custom_opsets={"ai.tsfm": 1}, do_constant_folding=True,
        )
    proto = onnx.load(tmp)
    os.remove(tmp)
    _name_output_dims(proto, model.cfg)
    attach_functions(proto, [s5_scan_function(), chunk_carry_function(), legendre_basis_function()])
    onnx.save(proto, onnx_path)
    save_safetensors(head_path, head, {"family": "ssm"})
    E, Q = model.cfg.embedding_feature_dim, model.cfg.num_quantiles
    inputs = [{"name": "context", "dtype": "float32", "shape": ["batch", "length"]},
              {"name": "scale_factor", "dtype": "float32", "shape": [1]},
              {"name": "horizon", "dtype": "int64", "shape": [1]}]
    inputs += [{"name": n, "dtype": "float32", "shape": list(head[n].shape)} for n in HEAD_NAMES]
    outputs = [{"name": "quantiles", "dtype": "float32", "shape": ["batch", "horizon", Q]},
               {"name": "embeddings", "dtype": "float32", "shape": ["batch", "positions", E]},
               {"name": "loc", "dtype": "float32", "shape": ["batch", "positions"]},
               {"name": "scale", "dtype": "float32", "shape": ["batch", "positions"]}]
    return inputs, outputs, sha256_file(onnx_path), sha256_file(head_path)
