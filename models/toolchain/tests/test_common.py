import hashlib
import json
import struct

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from toolchain.common import QUANTILES
from toolchain.common.manifest import sha256_file, upsert_manifest_entry
from toolchain.common.onnx_functions import DOMAIN, attach_functions, check_functions
from toolchain.common.safetensors import load_metadata, load_safetensors, save_safetensors


def test_quantiles_are_the_nine_deciles():
    assert QUANTILES == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def test_safetensors_round_trips_every_dtype_with_metadata(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {"f32": rng.normal(size=(3, 4)).astype(np.float32), "f16": rng.normal(size=5).astype(np.float16),
               "i64": np.array([1, -2, 2**40], dtype=np.int64), "i32": np.arange(6, dtype=np.int32).reshape(2, 3),
               "scalar": np.array(2.5, dtype=np.float32)}
    save_safetensors(tmp_path / "t.safetensors", tensors, {"family": "xlstm", "n": 3})
    back = load_safetensors(tmp_path / "t.safetensors")
    assert sorted(back) == sorted(tensors)
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k], v)
    assert load_metadata(tmp_path / "t.safetensors") == {"family": "xlstm", "n": "3"}


def test_safetensors_byte_layout_is_the_real_format(tmp_path):
    save_safetensors(tmp_path / "t.safetensors", {"b": np.array([1.0, 2.0], np.float32), "a": np.array([7], np.int64)})
    raw = (tmp_path / "t.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    assert (8 + n) % 8 == 0
    assert header["a"] == {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}
    assert header["b"] == {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}
    assert raw[8 + n:] == struct.pack("<q", 7) + struct.pack("<2f", 1.0, 2.0)


def write_raw(path, header, data):
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + data)


def test_safetensors_reads_bf16_by_widening_to_float32(tmp_path):
    values = np.array([1.0, -2.5, 3.140625, 0.0], np.float32)  # all exactly representable in bf16
    bf16 = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    write_raw(tmp_path / "b.safetensors", {"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}}, bf16)
    w = load_safetensors(tmp_path / "b.safetensors")["w"]
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w, values.reshape(2, 2))


def test_safetensors_rejects_truncated_and_inconsistent_files(tmp_path):
    (tmp_path / "short").write_bytes(b"\x01\x00")
    with pytest.raises(ValueError, match="too short"):
        load_safetensors(tmp_path / "short")
    write_raw(tmp_path / "bad", {"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\x00" * 8)
    with pytest.raises(ValueError, match="2 values for shape"):
        load_safetensors(tmp_path / "bad")
    with pytest.raises(ValueError, match="unsupported dtype"):
        save_safetensors(tmp_path / "c", {"x": np.array([True])})


def test_manifest_upsert_merges_by_id_in_sorted_order(tmp_path):
    path = tmp_path / "manifest.json"
    upsert_manifest_entry(path, {"id": "zeta", "v": 1})
    upsert_manifest_entry(path, {"id": "alpha", "v": 1})
    upsert_manifest_entry(path, {"id": "zeta", "v": 2})
    m = json.loads(path.read_text())
    assert m == {"version": 1, "models": [{"id": "alpha", "v": 1}, {"id": "zeta", "v": 2}]}


def test_sha256_file_matches_hashlib(tmp_path):
    data = bytes(range(256)) * 5000
    (tmp_path / "f").write_bytes(data)
    assert sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()


def doubling_model():
    """A graph y = ai.tsfm::Double(x), and the function that defines Double as x + x."""
    f = TensorProto.FLOAT
    graph = helper.make_graph([helper.make_node("Double", ["x"], ["y"], domain=DOMAIN)], "g",
                              [helper.make_tensor_value_info("x", f, [2])], [helper.make_tensor_value_info("y", f, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    fn = helper.make_function(DOMAIN, "Double", ["x"], ["y"], [helper.make_node("Add", ["x", "x"], ["y"])],
                              opset_imports=[helper.make_opsetid("", 17)])
    return model, fn


def test_attach_functions_adds_the_body_and_the_domain_import():
    model, fn = doubling_model()
    unused = helper.make_function(DOMAIN, "Unused", ["x"], ["y"], [helper.make_node("Neg", ["x"], ["y"])],
                                  opset_imports=[helper.make_opsetid("", 17)])
    attach_functions(model, [fn, unused])
    assert [f.name for f in model.functions] == ["Double"]
    assert {o.domain: o.version for o in model.opset_import}[DOMAIN] == 1
    onnx.checker.check_model(model, full_check=True)


def test_a_graph_without_its_function_body_is_rejected():
    model, _ = doubling_model()
    # onnx.checker lets unknown custom-domain ops through; our check does not.
    with pytest.raises(ValueError, match=r"no function body for ai.tsfm ops \['Double'\]"):
        attach_functions(model, [])
    model, fn = doubling_model()
    attach_functions(model, [fn])
    del model.functions[:]
    with pytest.raises(ValueError, match="Double"):
        check_functions(model)
