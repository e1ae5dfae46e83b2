"""ssm reference model: parameter counts, real arithmetic vs the official complex/FFT formulation,
causal RevIN, Legendre basis, quantile matrix, tiling, padding, scale factors."""
import math

import numpy as np
import pytest
import torch

from toolchain.ssm.complex_reference import complex_s5, official_forecast
from toolchain.ssm.config import SsmConfig, patch_len, scale_factor_for, scale_factor_from_period
from toolchain.ssm.export_dev import build
from toolchain.ssm.model import (SsmForecaster, causal_revin, count_parameters, forecast, hippo_init, legendre_basis,
                                 quantile_matrix, sample_times, tile_index)

SMALL = dict(context_length=256, embedding_feature_dim=24, encoder_num_layers=2, encoder_state_dim=16,
             encoder_num_hippo_blocks=2, decoder_dim=12, min_context=256)
R11 = dict(mlp_type="transformer", out_gating=True)


def small(seed=3, padding=False, **kw):
    torch.manual_seed(seed)
    return hippo_init(SsmForecaster(SsmConfig(**{**SMALL, **kw}, leading_nan_is_padding=padding)), seed).eval()


def series(B, L, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(L)
    x = 50 + 10 * np.sin(2 * np.pi * t / 24)[None] + rng.normal(0, 1, (B, L)).cumsum(1)
    return torch.from_numpy(x.astype(np.float32))


def rel(a, b):
    return float((a.double() - b.double()).abs().max() / b.double().abs().max())


def test_parameter_counts_r10_and_r11():
    r10 = SsmForecaster(SsmConfig())
    assert count_parameters(r10) == 9_069_312
    assert count_parameters(r10.embed) == 1_536 and count_parameters(r10.decoder) == 1_181_952
    assert count_parameters(r10.encoder.layers[0]) == 1_314_304
    # r1.1: output gate + RMSNorm gated MLP whose three nn.Linear keep their default biases
    assert count_parameters(SsmForecaster(SsmConfig(**R11))) == 18_524_928


@pytest.mark.parametrize("s", [1.0, 0.25, 24 / 7])
@pytest.mark.parametrize("cdtype", [torch.complex64, torch.complex128])
def test_real_arithmetic_s5_matches_the_complex_fft_formulation(s, cdtype):
    ssm = small().encoder.layers[0].ssm
    u = torch.randn(2, 300, SMALL["embedding_feature_dim"])
    with torch.no_grad():
        ours = ssm(u, torch.tensor(s))
        ref = complex_s5(ssm, u, s, cdtype=cdtype)
    assert rel(ours, ref) < 1e-5


@pytest.mark.parametrize("variant", [{}, R11], ids=["r1.0", "r1.1"])
@pytest.mark.parametrize("s,h", [(1.0, 10), (1.0, 24), (1.0, 77), (1.0, 47), (2.0, 30), (0.25, 100), (24 / 7, 40)])
def test_whole_forward_matches_the_official_formulation(variant, s, h):
    model = small(**variant)
    x = series(3, 400)
    x[0, :40] = float("nan")
    x[1, 200:205] = float("nan")
    ref, ref_emb = official_forecast(model, x, s, h)
    with torch.no_grad():
        q, emb, loc, scale = model(x, torch.tensor([s]), torch.tensor([h]))
    assert q.shape == (3, h, 9) and emb.shape == ref_emb.shape == (3, max(0, h - patch_len(s)) + 1, 24)
    n = ref.shape[1]  # shorter than h only where the official tail bug strikes (s=1, h=47)
    assert n == (24 if (s, h) == (1.0, 47) else h)
    assert rel(q[:, :n], ref) < 1e-5 and rel(emb, ref_emb) < 1e-5


def test_leading_nan_block_is_padding_a_row_forecasts_the_same_in_any_batch():
    model = small(padding=True)
    x = series(2, 300)
    alone = x[:1, 220:]
    batch = x.clone()
    batch[0, :220] = float("nan")
    s, h = torch.tensor([1.0]), torch.tensor([60])
    with torch.no_grad():
        qa = model(alone, s, h)[0]
        qb = model(batch, s, h)[0]
    assert rel(qb[:1], qa) < 1e-5
    pad = torch.isnan(batch[:1])
    ref, _ = official_forecast(model, batch[:1], 1.0, 60, pad_mask=pad)  # official with pad_mask
    assert rel(qa, ref) < 1e-5
    official_without_pad_mask = small(padding=False)
    with torch.no_grad():
        qn = official_without_pad_mask(batch, s, h)[0]
    assert rel(qn[:1], qa) > 1e-3  # padding tokens would otherwise enter the S5 state


def test_causal_revin_matches_a_loop_with_the_running_mean_quirk():
    v = torch.tensor([[0.0, 3.0, 0.0, 5.0, 4.0, 0.0, 0.0]])
    m = torch.tensor([[1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0]])
    z, mu, sigma = causal_revin(v, m)
    s1 = s2 = cnt = 0.0
    for t in range(7):
        o = 1 - m[0, t].item()
        cnt += o
        s1 += v[0, t].item() * o
        mu_t = s1 / max(1.0, cnt)
        s2 += ((v[0, t].item() - mu_t) * o) ** 2
        sig = math.sqrt(max(s2 / max(1.0, cnt), 1e-5))
        assert mu[0, t].item() == pytest.approx(mu_t, rel=1e-6, abs=1e-7)
        assert sigma[0, t].item() == pytest.approx(sig, rel=1e-6)
        assert z[0, t].item() == pytest.approx((v[0, t].item() - mu_t) / sig * o, rel=1e-6, abs=1e-7)
    assert sigma[0, 0].item() == pytest.approx(math.sqrt(1e-5))  # nothing observed yet: n = 1, σ floor
    assert mu[0, 6].item() == mu[0, 4].item() and sigma[0, 6].item() == sigma[0, 4].item()


def test_legendre_basis_and_the_decoder_curve_at_arbitrary_times():
    t = torch.linspace(-1, 0.95, 37, dtype=torch.float64)
    np.testing.assert_allclose(legendre_basis(t, 12).numpy(), np.polynomial.legendre.legvander(t.numpy(), 11),
                               rtol=1e-10, atol=1e-12)
    model = build()
    emb = torch.randn(2, 3, 64)
    tt = torch.tensor([-0.9, -0.123, 0.0, 0.5, 0.95])
    with torch.no_grad():
        curve = model.curve(emb, tt)
        coef = model.coefficients(emb).double().numpy()
    ref = coef @ np.polynomial.legendre.legvander(tt.double().numpy(), 31).T / 4
    np.testing.assert_allclose(curve.numpy(), ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max())
    t24 = sample_times(24, torch.tensor(1.0))
    assert t24[0].item() == pytest.approx(-1 + 1.95 / 24) and t24[-1].item() == pytest.approx(0.95)
    assert sample_times(96, torch.tensor(0.25))[-1].item() == pytest.approx(0.95, abs=1e-6)


def test_quantile_matrix_is_torch_quantile():
    x = torch.randn(50, 9)
    levels = [0.1 * i for i in range(1, 10)]
    ref = torch.quantile(x, torch.tensor(levels), dim=-1).t()
    assert torch.allclose(torch.sort(x, -1)[0] @ quantile_matrix(levels).t(), ref, atol=1e-6)
    assert quantile_matrix(levels)[0, :2].tolist() == pytest.approx([0.2, 0.8])


def official_combine(n_preds, P, h):
    """(position, offset) of each step of the official _combine_cpm_predictions."""
    steps = [(ix, j) for ix in range(0, n_preds, P) for j in range(P)]
    rest = n_preds % P - 1
    if rest > 0:
        steps += [(n_preds - 1, j) for j in range(P - rest, P)]
    return steps[:h]


@pytest.mark.parametrize("P", [1, 3, 7, 12, 24, 96])
def test_tiling_matches_the_official_combine_and_fills_the_tail_it_drops(P):
    for h in range(1, 5 * P + 9):
        mask_n = max(0, h - P)
        pos, off = tile_index(torch.tensor(h), torch.tensor(P), torch.tensor(mask_n))
        ours = list(zip(pos.tolist(), off.tolist()))
        official = official_combine(mask_n + 1, P, h)
        assert len(ours) == h and ours[: len(official)] == official
        assert all(0 <= p <= mask_n and 0 <= o < P and p + o == k for k, (p, o) in enumerate(ours))
        bug = mask_n > 0 and (mask_n + 1) % P == 0 and P > 1
        assert len(official) == (mask_n + 1 if bug else h)


def test_forecast_shapes_with_and_without_the_official_tail_bug():
    model = build()
    x = series(2, 300)
    for h in (5, 24, 47, 48, 77):
        q = forecast(model, x, 1.0, h)
        assert q.shape == (2, h, 9) and bool((q[..., 1:] >= q[..., :-1]).all())
    assert forecast(model, x, 1.0, 47, official_tail_bug=True).shape == (2, 24, 9)
    assert forecast(model, x, 1.0, 71, official_tail_bug=True).shape == (2, 48, 9)
    assert forecast(model, x, 1.0, 48, official_tail_bug=True).shape == (2, 48, 9)


def test_patch_length_and_context_survive_a_float32_scale_factor():
    model = build()
    for p in range(1, 2001):
        s32 = torch.tensor([24 / p], dtype=torch.float32)
        _, P, _, keep = model.plan(s32, torch.tensor([1]))
        assert int(P) == patch_len(24 / p) == p
        assert int(keep) == min(16384, int(512 / (24 / p) + 1e-9))


def test_scale_factor_table():
    assert scale_factor_for("H") == scale_factor_for("h") == 1.0
    assert scale_factor_for("6H") == 6.0 and scale_factor_for("4S") == pytest.approx(24 / 900)
    assert scale_factor_for("10S") == pytest.approx(24 / 360) and scale_factor_for("T") == pytest.approx(24 / 1440)
    assert scale_factor_for("5T") == pytest.approx(5 / 60) and scale_factor_for("15min") == pytest.approx(0.25)
    assert scale_factor_for("D", "Sales") == pytest.approx(24 / 7) and scale_factor_for("D") == pytest.approx(24 / 365)
    assert scale_factor_for("2D", "Transport") == pytest.approx(48 / 7)
    assert scale_factor_for("W") == scale_factor_for("W-SUN") == pytest.approx(24 / (365 / 7))
    assert [scale_factor_for(f) for f in ("M", "ME", "MS", "Q", "Q-DEC", "A", "A-DEC", "Y")] == [2.0] * 3 + [6.0] * 5
    assert scale_factor_for("H", daily_cycle=False) == pytest.approx(1 / 7)
    with pytest.raises(ValueError):
        scale_factor_for("fortnightly")
    assert scale_factor_from_period(24) == 1.0 and scale_factor_from_period(12) == 2.0
    assert (patch_len(1.0), patch_len(2.0), patch_len(0.25), patch_len(24 / 7), patch_len(24 / 900)) == (24, 12, 96, 7, 900)
