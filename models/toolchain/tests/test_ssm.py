import json
import math
import os

import numpy as np
import pytest
import torch

from toolchain.common.safetensors import load_safetensors, save_safetensors
from toolchain.ssm.config import SsmConfig, patch_len, scale_factor_for, scale_factor_from_period
from toolchain.ssm.convert import load_checkpoint
from toolchain.ssm.export_dev import MODEL_ID, build
from toolchain.ssm.model import (S5, SsmForecaster, causal_revin, count_parameters, forecast, hippo_init,
                                 legendre_basis, quantile_matrix)

MODELS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_parameter_counts_r10_and_r11():
    assert count_parameters(SsmForecaster(SsmConfig())) == 9_069_312
    # r1.1: output gating + RMSNorm MLP; w1, w2 biased and w3 not gives the model card's 18.52M
    assert count_parameters(SsmForecaster(SsmConfig(mlp_type="transformer", out_gating=True))) == 18_521_856


def complex_fft_s5(ssm, u, s):
    """The official formulation: complex Λ̄, B̄ and an FFT convolution with kernel Λ̄^j."""
    lam = torch.complex(-torch.exp(ssm.log_Lambda_real.double()), ssm.Lambda_imag.double())
    lam_bar = torch.exp(s * torch.exp(ssm.log_Delta.double()) * lam)
    b_bar = ((lam_bar - 1) / lam)[:, None] * torch.complex(ssm.B_tilde_r.double(), ssm.B_tilde_i.double())
    bu = u.double().to(torch.complex128) @ b_bar.t()  # [B, L, P]
    L = u.shape[1]
    kernel = lam_bar[None, :] ** torch.arange(L, dtype=torch.float64)[:, None]  # [L, P]
    n = 2 * L
    x = torch.fft.ifft(torch.fft.fft(bu, n=n, dim=1) * torch.fft.fft(kernel, n=n, dim=0)[None], dim=1)[:, :L]
    c = torch.complex(ssm.C_tilde_r.double(), ssm.C_tilde_i.double())
    return (x @ c.t()).real + ssm.D.double() * u.double()


@pytest.mark.parametrize("s", [1.0, 0.25, 24 / 7])
def test_real_arithmetic_s5_matches_complex_fft_reference(s):
    cfg = SsmConfig(embedding_feature_dim=16, encoder_state_dim=16, encoder_num_hippo_blocks=2, encoder_num_layers=1)
    model = hippo_init(SsmForecaster(cfg), seed=3)
    ssm = model.encoder.layers[0].ssm
    u = torch.randn(2, 40, 16)
    with torch.no_grad():
        ours = ssm(u, torch.tensor(s))
    ref = complex_fft_s5(ssm, u, s)
    assert float((ours.double() - ref).abs().max() / ref.abs().max()) < 1e-5


def test_causal_revin_matches_a_loop_with_the_running_mean_quirk():
    v = torch.tensor([[3.0, 0.0, 5.0, 4.0, 0.0, 0.0]])
    m = torch.tensor([[0.0, 1.0, 0.0, 0.0, 1.0, 1.0]])
    z, mu, sigma = causal_revin(v, m)
    s1 = s2 = cnt = 0.0
    mus = []
    for t in range(6):
        o = 1 - m[0, t].item()
        cnt += o
        s1 += v[0, t].item() * o
        mu_t = s1 / max(1.0, cnt)
        mus.append(mu_t)
        s2 += ((v[0, t].item() - mu_t) * o) ** 2
        sig = math.sqrt(max(s2 / max(1.0, cnt), 1e-5))
        assert mu[0, t].item() == pytest.approx(mu_t, rel=1e-6)
        assert sigma[0, t].item() == pytest.approx(sig, rel=1e-6)
        assert z[0, t].item() == pytest.approx((v[0, t].item() - mu_t) / sig * o, rel=1e-6, abs=1e-7)
    # masked future rows inherit the last observed stats
    assert mu[0, 5].item() == mu[0, 3].item() and sigma[0, 5].item() == sigma[0, 3].item()


def test_legendre_basis_matches_numpy():
    t = torch.linspace(-1, 0.95, 37, dtype=torch.float64)
    ours = legendre_basis(t, 12).numpy()
    ref = np.polynomial.legendre.legvander(t.numpy(), 11)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_quantile_matrix_is_torch_quantile():
    x = torch.randn(5, 9)
    levels = [0.1 * i for i in range(1, 10)]
    ref = torch.quantile(x, torch.tensor(levels), dim=-1).t()
    ours = torch.sort(x, -1)[0] @ quantile_matrix(levels).t()
    assert torch.allclose(ours, ref, atol=1e-6)


def test_scale_factor_table_and_patch_length():
    assert scale_factor_for("H") == 1.0
    assert scale_factor_for("5T") == pytest.approx(5 / 60)
    assert scale_factor_for("15min") == pytest.approx(0.25)
    assert scale_factor_for("D", "Sales") == pytest.approx(24 / 7)
    assert scale_factor_for("D") == pytest.approx(24 / 365)
    assert scale_factor_for("W") == pytest.approx(0.46, abs=0.01)
    assert (scale_factor_for("M"), scale_factor_for("Q"), scale_factor_for("A")) == (2.0, 6.0, 6.0)
    assert scale_factor_for("10S") == pytest.approx(24 / 360)
    assert scale_factor_from_period(24) == 1.0 and scale_factor_from_period(12) == 2.0
    assert (patch_len(1.0), patch_len(2.0), patch_len(0.25), patch_len(24 / 7)) == (24, 12, 96, 7)


def test_horizons_tile_patches_and_fill_the_tail_from_the_last_position():
    model = build()
    x = torch.randn(2, 300).cumsum(1)
    for h in (5, 24, 47, 48, 77):
        q = forecast(model, x, 1.0, h)
        assert q.shape == (2, h, 9)
        assert bool((q[..., 1:] >= q[..., :-1]).all())
    # The official combination drops the tail when (mask_n + 1) % P == 0; ours keeps it.
    assert forecast(model, x, 1.0, 47, official_tail_bug=True).shape == (2, 24, 9)  # (23+1) % 24 == 0
    assert forecast(model, x, 1.0, 48, official_tail_bug=True).shape == (2, 48, 9)


def official_tensors(cfg, prefix="model."):
    sd = SsmForecaster(cfg).state_dict()
    return {prefix + k: (np.random.default_rng(0).normal(0, 0.02, tuple(v.shape))).astype(np.float32) for k, v in sd.items()}


@pytest.mark.parametrize("revision", ["r1.0", "r1.1"])
def test_full_size_official_checkpoints_load_round_trip_and_run(tmp_path, revision):
    hf = {"context_length": 2048, "embedding_feature_dim": 512, "encoder_num_layers": 6, "encoder_state_dim": 512,
          "encoder_num_hippo_blocks": 8, "decoder_dim": 256, "decoder_patch_len": 24, "quantiles": [0.1 * i for i in range(1, 10)],
          "with_missing": True, "batch_first": True, "scale_factor": 1.0, "min_context": 2048, "decoder_type": "legs"}
    if revision == "r1.1":
        hf.update({"mlp_type": "transformer", "out_gating": True})
    cfg = SsmConfig.from_hf(hf)
    tensors = official_tensors(cfg)
    save_safetensors(str(tmp_path / "model.safetensors"), tensors)
    json.dump(hf, open(tmp_path / "config.json", "w"))
    model = load_checkpoint(str(tmp_path))
    assert count_parameters(model) == (9_069_312 if revision == "r1.0" else 18_521_856)
    sd = model.state_dict()
    for k, v in tensors.items():
        assert np.array_equal(sd[k[len("model."):]].numpy(), v)
    with torch.no_grad():
        q = forecast(model, torch.randn(1, 128).cumsum(1), 1.0, 30)
    assert q.shape == (1, 30, 9) and torch.isfinite(q).all()


def test_convert_cli_for_ssm(tmp_path):
    from toolchain.convert import main
    hf = {"context_length": 256, "embedding_feature_dim": 16, "encoder_num_layers": 1, "encoder_state_dim": 16,
          "encoder_num_hippo_blocks": 2, "decoder_dim": 8, "decoder_patch_len": 24}
    cfg = SsmConfig.from_hf(hf)
    save_safetensors(str(tmp_path / "model.safetensors"), official_tensors(cfg, prefix=""))
    json.dump(hf, open(tmp_path / "config.json", "w"))
    main(["--family", "ssm", "--checkpoint", str(tmp_path / "model.safetensors"), "--out", str(tmp_path), "--id", "fs-tiny"])
    (entry,) = json.load(open(tmp_path / "manifest.json"))["models"]
    assert entry["family"] == "ssm" and entry["head"]["tensors"] == ["head.weight", "head.bias"]
    import onnx
    assert sorted(f.name for f in onnx.load(str(tmp_path / "fs-tiny.onnx")).functions) == ["LegendreBasis", "S5Scan"]


def test_committed_fixtures_are_reproduced_by_the_reference():
    fdir = os.path.join(MODELS, "fixtures", MODEL_ID)
    model = build()
    for case in json.load(open(os.path.join(fdir, "index.json")))["cases"]:
        t = load_safetensors(os.path.join(fdir, case["file"]))
        head = {"weight": torch.from_numpy(t["head.weight"]), "bias": torch.from_numpy(t["head.bias"])} if case["head"] == "custom" else None
        with torch.no_grad():
            q = model(torch.from_numpy(t["context"]), torch.from_numpy(t["scale_factor"]), torch.from_numpy(t["horizon"]), head=head)[0]
        np.testing.assert_allclose(q.numpy(), t["quantiles"], rtol=1e-5, atol=1e-5 * float(np.abs(t["quantiles"]).max()))
