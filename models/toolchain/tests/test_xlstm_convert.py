import json
import time

import onnx
import pytest
import torch

from toolchain.common.safetensors import load_safetensors
from toolchain.xlstm.config import XlstmConfig
from toolchain.xlstm.convert import load_checkpoint
from toolchain.xlstm.export import HEAD_NAMES
from toolchain.xlstm.model import XlstmForecaster, count_parameters

# The official raw keys: blocks and out_norm lived in `block_stack` (xLSTMMixedLargeBlockStack).
STACKED = ("blocks.", "out_norm.")


def official_checkpoint(cfg, path):
    """A Lightning-style checkpoint under the official key names and hyper_parameters, random weights."""
    sd = XlstmForecaster(cfg).state_dict()
    raw = {("block_stack." + k if k.startswith(STACKED) else k): torch.randn_like(v) * 0.02 for k, v in sd.items()}
    hp = {"model_config": {"input_patch_size": cfg.patch_size, "output_patch_size": cfg.patch_size,
                           "quantiles": [round(0.1 * i, 1) for i in range(1, 10)], "input_ff_dim": cfg.input_ff_dim,
                           "block_kwargs": {"embedding_dim": cfg.embedding_dim, "num_blocks": cfg.num_blocks,
                                            "num_heads": cfg.num_heads, "ffn_proj_factor": 2.6667, "all_slstm": True}},
          "train_ctx_len": cfg.context_length}
    torch.save({"state_dict": raw, "hyper_parameters": hp}, path)
    return raw


def test_full_size_official_checkpoint_loads_strict_round_trips_and_runs(tmp_path):
    raw = official_checkpoint(XlstmConfig(), tmp_path / "model.ckpt")
    assert len(raw) == 157 and sum(k.startswith("block_stack.") for k in raw) == 12 * 12 + 1
    model = load_checkpoint(str(tmp_path / "model.ckpt"))
    assert model.cfg == XlstmConfig()
    assert count_parameters(model) == 35_291_200
    loaded = model.state_dict()
    assert len(loaded) == len(raw)
    for k, v in raw.items():
        assert torch.equal(loaded[k.replace("block_stack.", "")], v), k
    t = time.time()
    with torch.no_grad():
        q, emb, loc, scale = model(torch.randn(1, 2048).cumsum(1), 1)
    assert time.time() - t < 30
    assert q.shape == (1, 32, 9) and emb.shape == (1, 1, 512) and torch.isfinite(q).all()


def test_a_checkpoint_with_a_missing_or_misshapen_tensor_is_refused(tmp_path):
    cfg = XlstmConfig(embedding_dim=64, num_blocks=1, num_heads=2, input_ff_dim=64, context_length=256)
    raw = official_checkpoint(cfg, tmp_path / "a.ckpt")
    ckpt = torch.load(tmp_path / "a.ckpt")
    del ckpt["state_dict"]["block_stack.blocks.0.slstm_layer.slstm_cell._bias_"]
    torch.save(ckpt, tmp_path / "b.ckpt")
    with pytest.raises(RuntimeError, match="_bias_"):
        load_checkpoint(str(tmp_path / "b.ckpt"))
    ckpt["state_dict"] = dict(raw)
    ckpt["hyper_parameters"]["model_config"]["block_kwargs"]["num_heads"] = 4
    torch.save(ckpt, tmp_path / "c.ckpt")
    with pytest.raises(RuntimeError, match="size mismatch"):
        load_checkpoint(str(tmp_path / "c.ckpt"))


def test_convert_cli_writes_onnx_head_and_manifest(tmp_path):
    from toolchain.convert import main
    cfg = XlstmConfig(embedding_dim=64, num_blocks=1, num_heads=2, input_ff_dim=64, context_length=256)
    official_checkpoint(cfg, tmp_path / "model.ckpt")
    main(["--family", "xlstm", "--checkpoint", str(tmp_path / "model.ckpt"), "--out", str(tmp_path), "--id", "tiny"])
    (entry,) = json.loads((tmp_path / "manifest.json").read_text())["models"]
    assert (entry["id"], entry["family"], entry["file"]) == ("tiny", "xlstm", "tiny.onnx")
    assert entry["contextLength"] == 256 and entry["patchSize"] == 32 and entry["maxHorizon"] == 256
    assert entry["head"] == {"file": "tiny.head.safetensors", "sha256": entry["head"]["sha256"], "tensors": HEAD_NAMES}
    assert entry["parameters"] == count_parameters(XlstmForecaster(cfg))
    assert set(entry["provenance"]) == {"source", "seed", "trainedSteps", "generator", "wallTimeSec", "hardware",
                                        "createdAt", "toolchainVersion"}
    proto = onnx.load(str(tmp_path / "tiny.onnx"))
    assert [f.name for f in proto.functions] == ["SLSTMSequence"]
    assert [i.name for i in proto.graph.input] == [i["name"] for i in entry["inputs"]]
    head = load_safetensors(str(tmp_path / "tiny.head.safetensors"))
    assert sorted(head) == sorted(HEAD_NAMES)
