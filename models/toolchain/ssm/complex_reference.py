"""Test oracle only: the official FlowState forward pass written the straightforward way (complex
tensors, FFT convolution with kernel Λ̄^j, the last layer evaluated from min_context − 1 on,
`_combine_cpm_predictions` and `torch.quantile`), reading the weights of an SsmForecaster. It
checks the real-arithmetic rewrite in model.py; it is not exported and not fast."""
import torch
import torch.nn.functional as F

from ..common import QUANTILES


def complex_s5(ssm, u, s, first=0, cdtype=torch.complex64):
    """u [B, L, H] -> S5 output [B, L - first, H] (positions first.. only, like the official last layer)."""
    rdtype = torch.float32 if cdtype == torch.complex64 else torch.float64
    lam = torch.complex(-torch.exp(ssm.log_Lambda_real.to(rdtype)), ssm.Lambda_imag.to(rdtype))
    log_bar = s * lam * torch.exp(ssm.log_Delta.to(rdtype))
    L = u.shape[1]
    kernel = torch.exp(log_bar[None, :] * torch.arange(L, dtype=rdtype)[:, None])  # [L, P]: Λ̄^j
    b_bar = ((kernel[1] - 1) / lam)[:, None] * torch.complex(ssm.B_tilde_r.to(rdtype), ssm.B_tilde_i.to(rdtype))
    bu = u.to(rdtype).to(cdtype) @ b_bar.t()
    n = 2 * L
    xs = torch.fft.ifft(torch.fft.fft(bu, n=n, dim=1) * torch.fft.fft(kernel, n=n, dim=0)[None], n=n, dim=1)[:, :L]
    xs = xs[:, first:]
    y = (xs @ torch.complex(ssm.C_tilde_r.to(rdtype), ssm.C_tilde_i.to(rdtype)).t()).real
    if ssm.output_gate is not None:
        y = torch.sigmoid(F.linear(y, ssm.output_gate.weight.to(rdtype), ssm.output_gate.bias.to(rdtype))) * y
    return y + ssm.D.to(rdtype) * u[:, first:].to(rdtype)


def official_layer(layer, u, s, first, cdtype):
    y = complex_s5(layer.ssm, u, s, first, cdtype)
    rd = y.dtype
    if layer.mlp_type == "gated":
        h = F.selu(y)
        h = h * torch.sigmoid(F.linear(h, layer.out.weight.to(rd), layer.out.bias.to(rd)))
    else:
        mlp = layer.mlp
        r = y * torch.rsqrt(y.pow(2).mean(-1, keepdim=True) + 1e-6) * mlp.rms_weight.to(rd)
        lin = lambda mod, x: F.linear(x, mod.weight.to(rd), None if mod.bias is None else mod.bias.to(rd))  # noqa: E731
        h = lin(mlp.w3, F.silu(lin(mlp.w1, r)) * lin(mlp.w2, r)) + y
    h = F.layer_norm(h, h.shape[-1:], layer.norm.weight.to(rd), layer.norm.bias.to(rd), layer.norm.eps)
    return u[:, first:].to(rd) + h


def legendre_official(t, degree):
    out = [torch.ones_like(t), t]
    for i in range(1, degree):
        out.append(((2 * i + 1) * t * out[i] - i * out[i - 1]) / (i + 1))
    return torch.stack(out[: degree + 1], -1)


@torch.no_grad()
def official_forecast(model, past_values, s, h, pad_mask=None, cdtype=torch.complex64):
    """past_values [B, L] (NaN = missing), s python float, h int -> quantiles [B, h', 9] (h' < h
    where the official tail bug strikes), embeddings [B, n_preds, E]."""
    cfg = model.cfg
    P_mask = int(cfg.decoder_patch_len / s + 1e-6)
    mask_n = max(0, h - P_mask)
    max_context = min(16 * 1024, int(cfg.context_length / s)) - mask_n
    x = past_values
    if pad_mask is not None:
        x = x[:, int(pad_mask.to(torch.int).argmin(dim=1).min()):]
    x = x[:, -max_context:]
    B, L = x.shape
    min_context = L if mask_n > 0 else 0
    m = torch.isnan(x).float()
    v = torch.nan_to_num(x, 0.0)
    v = torch.cat([v, torch.zeros(B, mask_n)], 1)
    m = torch.cat([m, torch.ones(B, mask_n)], 1)
    n = torch.cumsum(1 - m, 1)
    n = torch.where(n == 0, torch.ones_like(n), n)
    mean = torch.cumsum(v, 1) / n
    std = torch.sqrt(torch.clamp(torch.cumsum(((v - mean) * (1 - m)) ** 2, 1) / n, min=1e-5))
    z = (v - mean) / std * (1 - m)
    u = model.embed.embed(torch.stack([z, m], -1))
    layers = model.encoder.layers
    for i, layer in enumerate(layers):
        first = min(min_context, u.shape[1]) - 1 if i == len(layers) - 1 else 0
        u = official_layer(layer, u, s, first % u.shape[1], cdtype)
    emb = u.float()
    n_preds = emb.shape[1]
    coef = model.decoder.lin(emb).view(B, n_preds, cfg.num_quantiles, cfg.decoder_dim)
    fl = int(cfg.decoder_patch_len / s)  # the official decoder length has no 1e-6
    t = -1.0 + torch.arange(1, fl + 1, dtype=torch.float) * (s * 1.95 / cfg.decoder_patch_len)
    W = legendre_official(torch.clamp(t, min=-1.0), cfg.decoder_dim - 1).float() / 4.0
    pred = torch.einsum("bnqd,pd->bnqp", coef, W)
    pred = pred * std[:, -n_preds:, None, None] + mean[:, -n_preds:, None, None]
    rest = n_preds % fl - 1
    out = torch.cat([pred[:, ix] for ix in range(0, n_preds, fl)], dim=-1)
    if rest > 0:
        out = torch.cat([out, pred[:, -1, :, -rest:]], dim=-1)
    out = out[:, :, :h]
    q = torch.quantile(out, torch.tensor(QUANTILES), dim=1)  # [9, B, h]
    return q.permute(1, 2, 0), emb
