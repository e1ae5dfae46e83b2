import math

import torch
import torch.nn.functional as F

from toolchain.xlstm.cell import slstm_sequence
from toolchain.xlstm.config import XlstmConfig
from toolchain.xlstm.export_dev import build
from toolchain.xlstm.model import XlstmForecaster, count_parameters
from toolchain.xlstm.preprocess import adjust_context, nan_scale, tokenize
from toolchain.xlstm.rollout import forecast

TINY = XlstmConfig(embedding_dim=32, num_blocks=1, num_heads=2, input_ff_dim=32, context_length=64)


def test_official_config_has_35_291_200_parameters():
    cfg = XlstmConfig()
    assert (cfg.head_dim, cfg.ffn_dim) == (128, 1408)
    assert count_parameters(XlstmForecaster(cfg)) == 35_291_200


def naive_slstm(wx, R, bias, H):
    """MODELS.md §1.4 written out per gate and per head (fp32), states as flat [B, D]."""
    B, S, _ = wx.shape
    hd = R.shape[1]
    D = H * hd
    y, c, n, m = (torch.zeros(B, D) for _ in range(4))
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


def test_slstm_matches_a_per_head_loop_including_large_gates():
    torch.manual_seed(1)
    H, hd, B, S = 4, 8, 3, 12
    for amp in (1.0, 20.0):  # 20: f_raw beyond the clamp at 15 and a busy stabiliser
        wx, R, b = amp * torch.randn(B, S, 4 * H * hd), torch.randn(H, hd, 4 * hd) * 0.3, torch.randn(4 * H * hd)
        torch.testing.assert_close(slstm_sequence(wx, R, b, H), naive_slstm(wx, R, b, H), atol=1e-6, rtol=1e-5)


def test_first_step_uses_the_input_gate_as_stabiliser():
    # t = 0: m = i_raw, so i = 1, f*c = 0, n = 1 and y = sigmoid(o) * tanh(z), whatever i_raw and f_raw are.
    torch.manual_seed(4)
    H, hd = 2, 3
    wx = torch.randn(2, 1, 4 * H * hd) * 5
    y = slstm_sequence(wx, torch.randn(H, hd, 4 * hd), torch.zeros(4 * H * hd), H)
    _, _, z, o = wx[:, 0].view(2, 4, H * hd).unbind(1)
    torch.testing.assert_close(y[:, 0], torch.sigmoid(o) * torch.tanh(z))


def test_forget_gate_is_clamped_at_15_before_logsigmoid():
    H, hd = 1, 1
    R, b = torch.zeros(H, hd, 4), torch.zeros(4)
    base = torch.tensor([[[0.0, 0.0, 1.0, 0.0], [0.0, 15.0, 0.5, 0.0]]])
    huge = base.clone()
    huge[0, 1, 1] = 80.0  # f_raw 80 behaves exactly like 15
    assert torch.equal(slstm_sequence(huge, R, b, H), slstm_sequence(base, R, b, H))


def test_gate_naming_swap_fgate_feeds_the_input_gate():
    layer = XlstmForecaster(TINY).blocks[0].slstm_layer
    W = layer.gate_weights()  # [H, in, 4*hd], gate-major i|f|z|o
    hd = TINY.head_dim
    assert torch.equal(W[:, :, :hd], layer.fgate.weight.transpose(1, 2))
    assert torch.equal(W[:, :, hd:2 * hd], layer.igate.weight.transpose(1, 2))


def test_bias_is_stored_head_major_and_used_gate_major():
    layer = XlstmForecaster(TINY).blocks[0].slstm_layer
    H, hd = TINY.num_heads, TINY.head_dim
    with torch.no_grad():
        layer.slstm_cell._bias_.copy_(torch.arange(H * 4 * hd, dtype=torch.float32))
    b = layer.bias_gate_major().view(4, H, hd)
    assert b[1, 1, 2] == (1 * 4 + 1) * hd + 2  # stored [head, gate, unit]


def test_bf16_reference_rounds_states_every_step_and_differs_slightly():
    torch.manual_seed(5)
    H, hd = 2, 8
    wx, R, b = torch.randn(2, 10, 4 * H * hd), torch.randn(H, hd, 4 * hd) * 0.3, torch.randn(4 * H * hd)
    y16 = slstm_sequence(wx, R, b, H, "bf16")
    assert torch.equal(y16, y16.to(torch.bfloat16).float())
    assert 0 < float((y16 - slstm_sequence(wx, R, b, H)).abs().max()) < 0.05
    model = build()
    x = torch.randn(2, 256).cumsum(1)
    with torch.no_grad():
        q32, q16 = model(x, 1)[0], model(x, 1, precision="bf16")[0]
    assert 0 < float((q16 - q32).abs().max() / q32.abs().mean()) < 0.05


def test_scaling_rules():
    nan = float("nan")
    x = torch.tensor([[1.0, 3.0, nan, nan], [nan] * 4, [5.0, 5.0, nan, 5.0], [-2.0, 2.0, 2.0, 2.0]])
    loc, scale = nan_scale(x)
    torch.testing.assert_close(loc.squeeze(1), torch.tensor([2.0, 0.0, 5.0, 1.0]))
    # population std; all-NaN -> 1; constant -> |loc| + 1e-5
    torch.testing.assert_close(scale.squeeze(1), torch.tensor([1.0, 1.0, 5.0 + 1e-5, math.sqrt(3.0)]))


def test_tokens_are_left_padded_values_and_observed_masks():
    ctx = torch.arange(40, dtype=torch.float32).unsqueeze(0)
    ctx[0, 35] = float("nan")
    tokens, n_ctx, loc, scale = tokenize(ctx, 32, extra_patches=2)
    assert tokens.shape == (1, 4, 64) and n_ctx == 2
    assert tokens[0, 0, 32:56].sum() == 0 and tokens[0, 0, 56:].sum() == 8  # 24 NaN pad, then 8 observed
    assert tokens[0, 1, 32 + 27] == 0 and tokens[0, 1, 27] == 0  # the NaN at 35 (24 + 35 = 32 + 27): value 0, mask 0
    assert tokens[0, 1, 32:].sum() == 31
    torch.testing.assert_close(tokens[0, 1, 0], (8 - loc[0, 0]) / scale[0, 0])
    assert tokens[0, 2:].abs().sum() == 0  # rollout patches: all missing


def test_forward_tokens_gives_every_position_and_the_head_input():
    model = build()
    ctx = torch.randn(2, 96).cumsum(1)
    with torch.no_grad():
        q, emb, loc, scale = model(ctx, 2)
        tokens, n_ctx, _, _ = tokenize(ctx, 32, 1)
        out, hidden = model.forward_tokens(tokens, return_all_hidden=True)
    assert out.shape == (2, 4, 128) and hidden.shape == (2, 4, 2, 128)
    torch.testing.assert_close(out[:, n_ctx - 1:], emb)
    torch.testing.assert_close(model.head(emb) * scale[:, None, None] + loc[:, None, None], q)


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
        first_two = model(adjust_context(x, model.cfg.context_length), 2)[0]
    torch.testing.assert_close(q[:, 64:70], third[:, :6])
    torch.testing.assert_close(forecast(model, x, 64, new_patches=2), first_two)
