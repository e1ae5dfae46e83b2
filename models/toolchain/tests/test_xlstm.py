import json
import os

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F

from toolchain.common.safetensors import load_safetensors
from toolchain.xlstm.cell import slstm_sequence
from toolchain.xlstm.config import XlstmConfig
from toolchain.xlstm.convert import PREFIX, load_checkpoint
from toolchain.xlstm.export import HEAD_NAMES
from toolchain.xlstm.export_dev import MODEL_ID, build
from toolchain.xlstm.model import XlstmForecaster, adjust_context, count_parameters, forecast

MODELS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_official_config_has_35_291_200_parameters():
    assert count_parameters(XlstmForecaster(XlstmConfig())) == 35_291_200


def naive_slstm(wx, R, bias, H):
    """A straightforward per-head, per-gate loop of MODELS.md §1.4 (fp32)."""
    B, S, _ = wx.shape
    hd = R.shape[1]
    D = H * hd
    y = torch.zeros(B, D); c = torch.zeros(B, D); n = torch.zeros(B, D); m = torch.zeros(B, D)
    outs = []
    for t in range(S):
        raws = []
        for g in range(4):
            gate = []
            for h in range(H):
                rec = y[:, h * hd:(h + 1) * hd] @ R[h][:, g * hd:(g + 1) * hd]
                gate.append(wx[:, t, g * D + h * hd: g * D + (h + 1) * hd] + rec + bias[g * D + h * hd: g * D + (h + 1) * hd])
            raws.append(torch.cat(gate, 1))
        i_raw, f_raw, z_raw, o_raw = raws
        f_log = m + F.logsigmoid(torch.clamp(f_raw, max=15.0))
        m_new = i_raw if bool((n == 0).all()) else torch.maximum(i_raw, f_log)
        i = torch.exp(i_raw - m_new).clamp(max=1.0)
        f = torch.exp(f_log - m_new).clamp(max=1.0)
        c = f * c + i * torch.tanh(z_raw)
        n = f * n + i
        y = torch.sigmoid(o_raw) * c / n
        m = m_new
        outs.append(y)
    return torch.stack(outs, 1)


def test_slstm_matches_a_per_head_loop():
    torch.manual_seed(1)
    H, hd, B, S = 4, 8, 3, 12
    wx, R, b = torch.randn(B, S, 4 * H * hd), torch.randn(H, hd, 4 * hd) * 0.3, torch.randn(4 * H * hd)
    assert torch.allclose(slstm_sequence(wx, R, b, H), naive_slstm(wx, R, b, H), atol=1e-6)


def test_gate_naming_swap_fgate_feeds_the_input_gate():
    torch.manual_seed(2)
    cfg = XlstmConfig(embedding_dim=32, num_blocks=1, num_heads=2, input_ff_dim=32, context_length=64)
    layer = XlstmForecaster(cfg).blocks[0].slstm_layer
    W = layer.gate_weights()  # [H, in, 4*hd], gate-major i|f|z|o
    hd = cfg.head_dim
    assert torch.equal(W[:, :, :hd], layer.fgate.weight.transpose(1, 2))
    assert torch.equal(W[:, :, hd:2 * hd], layer.igate.weight.transpose(1, 2))


def test_bf16_reference_rounds_states_and_differs_slightly():
    model = build()
    x = torch.randn(2, 256).cumsum(1)
    with torch.no_grad():
        q32 = model(x, 1)[0]
        q16 = model(x, 1, precision="bf16")[0]
    err = float((q16 - q32).abs().max() / q32.abs().mean())
    assert 0 < err < 0.05


def test_rollout_appends_nan_and_rescales():
    model = build()
    torch.manual_seed(3)
    x = torch.randn(2, 300).cumsum(1)
    q = forecast(model, x, 70, new_patches=1)
    assert q.shape == (2, 70, 9)
    # The third patch of a k=1 rollout equals one pass on the context extended by 64 NaN.
    ext = torch.cat([x, torch.full((2, 64), float("nan"))], 1)
    with torch.no_grad():
        third = model(adjust_context(ext, model.cfg.context_length), 1)[0]
    assert torch.allclose(q[:, 64:70], third[:, :6], atol=1e-5)


def official_state_dict(cfg):
    """Random weights under the official key names (block keys under `block_stack.`)."""
    sd = XlstmForecaster(cfg).state_dict()
    return {(PREFIX + k if k.startswith("blocks.") else k): torch.randn_like(v) * 0.02 for k, v in sd.items()}


def test_full_size_official_checkpoint_converts_round_trips_and_runs(tmp_path):
    cfg = XlstmConfig()
    sd = official_state_dict(cfg)
    hp = {"model_config": {"input_patch_size": 32, "output_patch_size": 32, "quantiles": [0.1 * i for i in range(1, 10)],
                           "block_kwargs": {"embedding_dim": 512, "num_blocks": 12, "num_heads": 4, "ffn_proj_factor": 2.6667},
                           "input_ff_dim": 2048}, "train_ctx_len": 2048}
    path = tmp_path / "model.ckpt"
    torch.save({"state_dict": sd, "hyper_parameters": hp}, path)
    model = load_checkpoint(str(path))
    assert count_parameters(model) == 35_291_200
    loaded = model.state_dict()
    for k, v in sd.items():
        assert torch.equal(loaded[k[len(PREFIX):] if k.startswith(PREFIX) else k], v)
    with torch.no_grad():
        q, emb, _, _ = model(torch.randn(1, 256).cumsum(1), 1)
    assert q.shape == (1, 32, 9) and emb.shape == (1, 1, 512) and torch.isfinite(q).all()


def test_convert_cli_writes_onnx_head_and_manifest(tmp_path):
    from toolchain.convert import main
    cfg = XlstmConfig(embedding_dim=64, num_blocks=1, num_heads=2, input_ff_dim=64, context_length=256)
    path = tmp_path / "model.ckpt"
    hp = {"model_config": {"input_patch_size": 32, "quantiles": [0] * 9, "input_ff_dim": 64,
                           "block_kwargs": {"embedding_dim": 64, "num_blocks": 1, "num_heads": 2}}, "train_ctx_len": 256}
    torch.save({"state_dict": official_state_dict(cfg), "hyper_parameters": hp}, path)
    main(["--family", "xlstm", "--checkpoint", str(path), "--out", str(tmp_path), "--id", "tiny"])
    manifest = json.load(open(tmp_path / "manifest.json"))
    (entry,) = manifest["models"]
    assert entry["id"] == "tiny" and entry["contextLength"] == 256 and entry["head"]["tensors"] == HEAD_NAMES
    proto = onnx.load(str(tmp_path / "tiny.onnx"))
    assert [f.name for f in proto.functions] == ["SLSTMSequence"]
    assert any(o.domain == "ai.tsfm" for o in proto.opset_import)
    assert all(i.name not in {t.name for t in proto.graph.initializer} for i in proto.graph.input)
    head = load_safetensors(str(tmp_path / "tiny.head.safetensors"))
    assert sorted(head) == sorted(HEAD_NAMES)


def test_committed_fixtures_are_reproduced_by_the_reference():
    fdir = os.path.join(MODELS, "fixtures", MODEL_ID)
    index = json.load(open(os.path.join(fdir, "index.json")))
    model = build()
    for case in index["cases"]:
        t = load_safetensors(os.path.join(fdir, case["file"]))
        head = None
        if case["head"] == "custom":
            head = {n[len("head."):]: torch.from_numpy(t[n]) for n in HEAD_NAMES}
        with torch.no_grad():
            q, emb, loc, scale = model(torch.from_numpy(t["context"]), int(t["new_patches"][0]), head=head)
        np.testing.assert_allclose(q.numpy(), t["quantiles"], rtol=1e-5, atol=1e-5 * float(np.abs(t["quantiles"]).max()))
        np.testing.assert_allclose(emb.numpy(), t["embeddings"], rtol=1e-5, atol=1e-6)
