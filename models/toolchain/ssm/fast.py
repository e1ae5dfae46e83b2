"""The forward pass the ONNX export traces: the same weights and arithmetic as SsmForecaster.forward,
arranged for onnxruntime on the CPU (docs/BENCHMARKS.md, "SSM graph"):

* the S5 recurrence in chunked closed form (chunked.py): batched MatMuls and L/T sequential steps;
* the context left-padded with missing values to whole chunks, which leaves every real position's
  output unchanged (leading missing values are padding: the state is 0 until a row's first value);
* rows flattened to 2-D so the projections export as Gemm (bias and the D·u skip folded in, and
  onnxruntime fuses the activation that follows); B̄ and C as one [2P, H] matrix each;
* the last layer past its scan only at the emitting positions, the only ones the outputs read."""
import torch
import torch.nn.functional as F

from .chunked import CHUNK, chunked_scan, token_order
from .ops import causal_revin, started_mask


def _discretised(ssm, s):
    """B̄ as [2P, H] (rows (p, re/im)), log-magnitude and angle of Λ̄ per step ([P])."""
    _, _, bb_r, bb_i = ssm.discretise(s)
    dt = s * torch.exp(ssm.log_Delta)
    la, th = dt * -torch.exp(ssm.log_Lambda_real), dt * ssm.Lambda_imag
    return torch.stack([bb_r, bb_i], 1).reshape(-1, bb_r.shape[1]), la, th


def emitting_rows(B, Le, M, chunk=CHUNK):
    """Where the last M positions of each series sit among the token_order rows -> [B·M] in (series, position) order."""
    pos = torch.arange(Le - M, Le)
    nc = torch.div(Le, chunk, rounding_mode="floor")
    return (torch.remainder(pos, chunk) * (B * nc) + torch.div(pos, chunk, rounding_mode="floor"))[None, :] \
        + (torch.arange(B) * nc)[:, None]


def layer_forward(layer, u, s, started, B, carry, chunk=CHUNK, last=None, embed=None):
    """One S5Layer on rows u [N, H] (token_order); `last` (row indices) keeps only those rows after the scan.
    embed = (features [N, 3] = (z, m, 1), the embedding Linear): u is that Linear of the features, so
    B̄u comes from the 3 features through B̄ times the embedding weights instead of from the H columns of u."""
    ssm = layer.ssm
    H = u.shape[1]
    BB, la, th = _discretised(ssm, s)
    if embed is None:
        bu = torch.matmul(BB, (u * started).t())  # [2P, N]: transposed inside the GEMM
    else:
        feats, lin = embed
        G = torch.cat([torch.matmul(BB, lin.weight), torch.matmul(BB, lin.bias)[:, None]], 1)
        bu = torch.matmul(G, (feats * started).t())
    x = chunked_scan(bu, B, la, th, carry, chunk)
    if last is not None:
        x, u = torch.index_select(x, 1, last), torch.index_select(u, 0, last)
    C = torch.stack([ssm.C_tilde_r, -ssm.C_tilde_i], 2).reshape(H, -1)
    if ssm.output_gate is None:
        y = torch.addmm(ssm.D * u, x.t(), C.t())
    else:
        y = torch.matmul(x.t(), C.t())
        y = torch.sigmoid(ssm.output_gate(y)) * y + ssm.D * u
    if layer.mlp_type == "gated":
        h = F.selu(y)
        h = h * torch.sigmoid(layer.out(h))
    else:
        h = y + layer.mlp(y)
    return u + layer.norm(h)


def encode_fast(model, context, scale_factor, horizon, carry, chunk=CHUNK):
    """SsmForecaster.encode for models whose leading missing values are padding -> (embeddings [B, M, E],
    loc, scale [B, M], plan)."""
    B, L = context.shape[0], context.shape[1]
    s, P, mask_n, keep = model.plan(scale_factor, horizon)
    ctx = torch.index_select(context, 1, torch.arange(torch.clamp(L - keep, min=0), L))
    pad = torch.remainder(-(ctx.shape[1] + mask_n), chunk)
    ctx = torch.cat([torch.full_like(ctx[:, :1], float("nan")).expand(B, pad), ctx], 1)
    m = torch.isnan(ctx).float()
    v = torch.nan_to_num(ctx, nan=0.0)
    future = torch.zeros_like(v[:, :1]).expand(B, mask_n)
    v = torch.cat([v, future], 1)
    m = torch.cat([m, future + 1.0], 1)
    z, mu, sigma = causal_revin(v, m)
    started = token_order(started_mask(m), chunk).reshape(-1, 1)
    zt, mt = token_order(z, chunk), token_order(m, chunk)
    u = model.embed.embed(torch.stack([zt, mt], -1))
    feats = torch.stack([zt, mt, torch.ones_like(zt)], -1)
    layers = list(model.encoder.layers)
    M, Le = mask_n + 1, mu.shape[1]
    rows = emitting_rows(B, Le, M, chunk).reshape(-1)
    for i, layer in enumerate(layers):
        u = layer_forward(layer, u, s, started, B, carry, chunk, last=rows if i == len(layers) - 1 else None,
                          embed=(feats, model.embed.embed) if i == 0 else None)
    emb = u.reshape(B, -1, u.shape[-1])
    pos = torch.arange(Le - M, Le)
    return emb, torch.index_select(mu, 1, pos), torch.index_select(sigma, 1, pos), (s, P, mask_n)


def forward_fast(model, context, scale_factor, horizon, head, carry, basis, chunk=CHUNK):
    """SsmForecaster.forward through encode_fast -> quantiles, embeddings, loc, scale."""
    emb, loc, scale, plan = encode_fast(model, context, scale_factor, horizon, carry, chunk)
    return model.decode(emb, loc, scale, plan, horizon, head, basis), emb, loc, scale
