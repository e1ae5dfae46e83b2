"""The committed xlstm-dev graph, head sidecar, manifest entry and fixtures."""
import json
import math
import os

import numpy as np
import onnx
import pytest
import torch

from toolchain.common.manifest import sha256_file
from toolchain.common.onnx_functions import DOMAIN, check_functions
from toolchain.common.safetensors import load_safetensors
from toolchain.xlstm.export import HEAD_NAMES, OUTPUT_NAMES, export_xlstm, head_tensors
from toolchain.xlstm.export_dev import MODEL_ID, build

MODELS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(MODELS, "fixtures", MODEL_ID)


@pytest.fixture(scope="module")
def entry():
    manifest = json.load(open(os.path.join(MODELS, "manifest.json")))
    return next(m for m in manifest["models"] if m["id"] == MODEL_ID)


@pytest.fixture(scope="module")
def proto(entry):
    return onnx.load(os.path.join(MODELS, entry["file"]))


def test_graph_passes_the_checker_and_defines_its_ai_tsfm_function(proto):
    onnx.checker.check_model(proto, full_check=True)
    check_functions(proto)
    imports = {o.domain: o.version for o in proto.opset_import}
    assert imports[""] == 17 and imports[DOMAIN] == 1
    (fn,) = proto.functions
    assert (fn.domain, fn.name, list(fn.attribute)) == (DOMAIN, "SLSTMSequence", ["num_heads"])
    assert any(n.op_type == "Scan" for n in fn.node)
    calls = [n for n in proto.graph.node if n.domain == DOMAIN]
    assert len(calls) == 2 and all(n.op_type == "SLSTMSequence" for n in calls)  # one per block


def test_a_graph_with_its_function_removed_is_rejected(proto):
    broken = onnx.ModelProto()
    broken.CopyFrom(proto)
    del broken.functions[:]
    with pytest.raises(ValueError, match=r"no function body for ai.tsfm ops \['SLSTMSequence'\]"):
        check_functions(broken)


def test_inputs_outputs_and_head_match_the_manifest(entry, proto):
    assert [i.name for i in proto.graph.input] == [i["name"] for i in entry["inputs"]]
    assert [o.name for o in proto.graph.output] == [o["name"] for o in entry["outputs"]] == OUTPUT_NAMES
    assert not {t.name for t in proto.graph.initializer} & set(HEAD_NAMES)  # fed, not baked in
    dims = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in proto.graph.input}
    assert dims["context"] == ["batch", "length"] and dims["new_patches"] == [1]
    outs = {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in proto.graph.output}
    assert outs["quantiles"] == ["batch", "steps", 9] and outs["embeddings"] == ["batch", "new_patches", 128]
    assert entry["head"]["tensors"] == HEAD_NAMES
    head = load_safetensors(os.path.join(MODELS, entry["head"]["file"]))
    for name, value in head_tensors(build()).items():
        np.testing.assert_array_equal(head[name], value)


def test_committed_files_are_what_the_code_exports(entry, tmp_path):
    assert sha256_file(os.path.join(MODELS, entry["file"])) == entry["sha256"]
    assert sha256_file(os.path.join(MODELS, entry["head"]["file"])) == entry["head"]["sha256"]
    # Export is deterministic: a stale committed graph means export_dev was not re-run.
    _, _, sha, head_sha = export_xlstm(build(), str(tmp_path / "m.onnx"), str(tmp_path / "m.head.safetensors"))
    assert (sha, head_sha) == (entry["sha256"], entry["head"]["sha256"])
    assert os.path.getsize(os.path.join(MODELS, entry["file"])) < 3e6


def load_cases():
    index = json.load(open(os.path.join(FIXTURES, "index.json")))
    return index, [(c, load_safetensors(os.path.join(FIXTURES, c["file"]))) for c in index["cases"]]


def test_committed_fixtures_are_reproduced_by_the_reference():
    model = build()
    _, cases = load_cases()
    for case, t in cases:
        head = None
        if case["head"] == "custom":
            head = {n[len("head."):]: torch.from_numpy(t[n]) for n in HEAD_NAMES}
        with torch.no_grad():
            out = model(torch.from_numpy(t["context"]), int(t["new_patches"][0]), head=head)
        for name, value in zip(OUTPUT_NAMES, out):
            np.testing.assert_allclose(value.numpy(), t[name], rtol=1e-5, atol=1e-6 * max(1.0, float(np.abs(t[name]).max())),
                                       err_msg=f"{case['name']}.{name}")


def test_fixtures_cover_the_required_cases():
    index, cases = load_cases()
    assert index["tolerance"]["maxRelError"] == 1e-4
    ctx = {c["name"]: t["context"] for c, t in cases}
    shapes = {t["context"].shape for _, t in cases}
    assert {b for b, _ in shapes} >= {1, 3, 8} and {L for _, L in shapes} >= {64, 512, 1024}
    assert any(L % 32 for _, L in shapes)  # the graph's own left padding
    assert {int(t["new_patches"][0]) for _, t in cases} >= {1, 3}
    rows = [r for x in ctx.values() for r in x]
    assert any(np.isnan(r).all() for r in rows)  # an all-missing series
    assert any(np.isnan(r[:100]).all() and not np.isnan(r[-10:]).any() for r in rows)  # a leading block
    assert any(0 < np.isnan(r).sum() < 10 for r in rows)  # scattered
    custom = [(c, t) for c, t in cases if c["head"] == "custom"]
    assert custom and all(n in custom[0][1] for n in HEAD_NAMES)
    total = sum(os.path.getsize(os.path.join(FIXTURES, f)) for f in os.listdir(FIXTURES))
    assert total < 5e6
    for c, t in cases:
        k, (B, _) = int(t["new_patches"][0]), t["context"].shape
        assert t["quantiles"].shape == (B, 32 * k, 9) and t["embeddings"].shape == (B, k, 128)
        assert np.isfinite(t["quantiles"]).all(), c["name"]
    assert math.isfinite(index["bf16VsFp32"]["maxAbsErrorInScaleUnits"])
