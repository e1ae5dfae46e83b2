"""Converting official FlowState checkpoints: full-size r1.0 / r1.1 key layouts (written from the
spec, MODELS.md §2.1, not from our own state_dict), strict loading, the CLI."""
import json

import numpy as np
import onnx
import pytest
import torch

from toolchain.common.safetensors import save_safetensors
from toolchain.ssm.convert import load_checkpoint
from toolchain.ssm.model import count_parameters, forecast

HF_R10 = {"context_length": 2048, "embedding_feature_dim": 512, "encoder_num_layers": 6, "encoder_state_dim": 512,
          "encoder_num_hippo_blocks": 8, "decoder_dim": 256, "decoder_patch_len": 24, "decoder_type": "legs",
          "quantiles": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], "with_missing": True, "batch_first": True,
          "scale_factor": 1.0, "min_context": 2048, "prediction_type": "quantile"}
HF_R11 = {**HF_R10, "mlp_type": "transformer", "out_gating": True}


def official_shapes(hf, w3_bias=True):
    E, P, D = hf["embedding_feature_dim"], hf["encoder_state_dim"], hf["decoder_dim"]
    Q = len(hf.get("quantiles", [0] * 9))
    shapes = {"embed.embed.weight": (E, 2), "embed.embed.bias": (E,),
              "decoder.lin.weight": (Q * D, E), "decoder.lin.bias": (Q * D,)}
    for i in range(hf["encoder_num_layers"]):
        p = f"encoder.layers.{i}."
        shapes.update({p + "ssm.log_Lambda_real": (P,), p + "ssm.Lambda_imag": (P,), p + "ssm.B_tilde_r": (P, E),
                       p + "ssm.B_tilde_i": (P, E), p + "ssm.C_tilde_r": (E, P), p + "ssm.C_tilde_i": (E, P),
                       p + "ssm.D": (E,), p + "ssm.log_Delta": (P,), p + "norm.weight": (E,), p + "norm.bias": (E,)})
        if hf.get("mlp_type", "gated") == "gated":
            shapes.update({p + "out.weight": (E, E), p + "out.bias": (E,)})
        else:
            shapes.update({p + "mlp.rms_weight": (E,), p + "mlp.w1.weight": (2 * E, E), p + "mlp.w1.bias": (2 * E,),
                           p + "mlp.w2.weight": (2 * E, E), p + "mlp.w2.bias": (2 * E,), p + "mlp.w3.weight": (E, 2 * E)})
            if w3_bias:
                shapes[p + "mlp.w3.bias"] = (E,)
        if hf.get("out_gating", False):
            shapes.update({p + "ssm.output_gate.weight": (E, E), p + "ssm.output_gate.bias": (E,)})
    return shapes


def write_checkpoint(d, hf, prefix="model.", **kw):
    rng = np.random.default_rng(0)
    tensors = {prefix + k: rng.normal(0, 0.02, s).astype(np.float32) for k, s in official_shapes(hf, **kw).items()}
    for k in tensors:  # stable dynamics, like trained weights: Re λ < 0, Δ ~ 1e-2
        if k.endswith("log_Lambda_real"):
            tensors[k] = np.log(rng.uniform(0.1, 2, tensors[k].shape)).astype(np.float32)
        if k.endswith("log_Delta"):
            tensors[k] = np.log(rng.uniform(1e-3, 1e-1, tensors[k].shape)).astype(np.float32)
    save_safetensors(str(d / "model.safetensors"), tensors)
    with open(d / "config.json", "w") as f:
        json.dump(hf, f)
    return tensors


@pytest.mark.parametrize("hf,count", [(HF_R10, 9_069_312), (HF_R11, 18_524_928)], ids=["r1.0", "r1.1"])
def test_full_size_official_checkpoints_load_strict_round_trip_and_run(tmp_path, hf, count):
    tensors = write_checkpoint(tmp_path, hf)
    assert sum(v.size for v in tensors.values()) == count
    model = load_checkpoint(str(tmp_path))
    assert count_parameters(model) == count
    sd = model.state_dict()
    assert set(sd) == {k[len("model."):] for k in tensors}
    for k, v in tensors.items():
        assert np.array_equal(sd[k[len("model."):]].numpy(), v)
    x = torch.randn(2, 150).cumsum(1) + 20
    x[0, :30] = float("nan")
    q = forecast(model, x, 1.0, 30)
    assert q.shape == (2, 30, 9) and torch.isfinite(q).all()


def test_checkpoint_path_prefix_and_bias_variants(tmp_path):
    tensors = write_checkpoint(tmp_path, HF_R11, prefix="", w3_bias=False)  # no prefix, unbiased w3
    model = load_checkpoint(str(tmp_path / "model.safetensors"))
    assert model.cfg.mlp_bias == [True, True, False]
    assert count_parameters(model) == sum(v.size for v in tensors.values()) == 18_521_856


def test_absent_keys_default_to_r10_and_mismatches_are_refused(tmp_path):
    hf = {k: v for k, v in HF_R10.items()}
    hf.update(embedding_feature_dim=16, encoder_state_dim=16, encoder_num_layers=1, decoder_dim=8)
    write_checkpoint(tmp_path, {**hf, "mlp_type": "transformer"})  # weights of the other variant
    with open(tmp_path / "config.json", "w") as f:
        json.dump(hf, f)  # no mlp_type: "gated" by default
    with pytest.raises(RuntimeError, match="out.weight"):
        load_checkpoint(str(tmp_path))


def test_convert_cli_writes_graph_sidecar_and_manifest_entry(tmp_path):
    from toolchain.convert import main
    hf = {"context_length": 256, "embedding_feature_dim": 16, "encoder_num_layers": 1, "encoder_state_dim": 16,
          "encoder_num_hippo_blocks": 2, "decoder_dim": 8, "decoder_patch_len": 24}
    write_checkpoint(tmp_path, hf)
    main(["--family", "ssm", "--checkpoint", str(tmp_path / "model.safetensors"), "--out", str(tmp_path), "--id", "fs-tiny"])
    (entry,) = json.load(open(tmp_path / "manifest.json"))["models"]
    assert entry["family"] == "ssm" and entry["head"]["tensors"] == ["head.weight", "head.bias"]
    assert entry["parameters"] == sum(int(np.prod(s)) for s in official_shapes(hf).values())
    assert [i["name"] for i in entry["inputs"]] == ["context", "scale_factor", "horizon", "head.weight", "head.bias"]
    proto = onnx.load(str(tmp_path / "fs-tiny.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    assert sorted(f.name for f in proto.functions) == ["LegendreBasis", "S5ChunkCarry"]
