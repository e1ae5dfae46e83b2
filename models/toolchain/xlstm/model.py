"""TiRex-architecture forecaster. Module and parameter names match the official state dict
(after stripping `block_stack.`), so an official checkpoint loads with strict=True."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .cell import slstm_sequence
from .config import XlstmConfig

_SLSTM = None  # optional override (the ONNX exporter swaps in its custom-op version)


class ResidualBlock(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.hidden_layer = nn.Linear(d_in, d_hidden)
        self.output_layer = nn.Linear(d_hidden, d_out)
        self.residual_layer = nn.Linear(d_in, d_out)

    def forward(self, x):
        return self.output_layer(F.relu(self.hidden_layer(x))) + self.residual_layer(x)


def residual_block(x, w):
    """The same block with explicit weights: the head, when it is swapped per request."""
    h = F.relu(F.linear(x, w["hidden_layer.weight"], w["hidden_layer.bias"]))
    return F.linear(h, w["output_layer.weight"], w["output_layer.bias"]) + F.linear(x, w["residual_layer.weight"], w["residual_layer.bias"])


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        return x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LinearHeadwiseExpand(nn.Module):
    def __init__(self, heads, hd):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(heads, hd, hd))
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(hd))


class SLSTMCellParams(nn.Module):
    def __init__(self, heads, hd):
        super().__init__()
        self._recurrent_kernel_ = nn.Parameter(torch.zeros(heads, hd, 4 * hd))
        self._bias_ = nn.Parameter(torch.zeros(heads * 4 * hd))


class SLSTMLayer(nn.Module):
    def __init__(self, cfg: XlstmConfig):
        super().__init__()
        H, hd = cfg.num_heads, cfg.head_dim
        self.num_heads = H
        self.fgate = LinearHeadwiseExpand(H, hd)
        self.igate = LinearHeadwiseExpand(H, hd)
        self.zgate = LinearHeadwiseExpand(H, hd)
        self.ogate = LinearHeadwiseExpand(H, hd)
        self.slstm_cell = SLSTMCellParams(H, hd)
        self.group_norm = nn.Module()
        self.group_norm.weight = nn.Parameter(torch.zeros(cfg.embedding_dim))

    def gate_weights(self):
        """[H, hd_in, 4*hd_out] for x_h @ W: the modules named fgate/igate feed the i/f gates
        (the official naming swap: `i, f, z, o = fgate(x), igate(x), zgate(x), ogate(x)`)."""
        ws = [self.fgate.weight, self.igate.weight, self.zgate.weight, self.ogate.weight]  # each [H, out, in]
        return torch.cat([w.transpose(1, 2) for w in ws], dim=2)

    def bias_gate_major(self):
        H = self.num_heads
        hd = self.slstm_cell._recurrent_kernel_.shape[1]
        return self.slstm_cell._bias_.view(H, 4, hd).permute(1, 0, 2).reshape(-1)

    def forward(self, x, precision="fp32", sequence_fn=None):
        B, S, D = x.shape
        H = self.num_heads
        hd = D // H
        xh = x.reshape(B * S, H, hd).transpose(0, 1)  # [H, B*S, hd]
        wx = torch.bmm(xh, self.gate_weights())  # [H, B*S, 4*hd]
        wx = wx.view(H, B, S, 4, hd).permute(1, 2, 3, 0, 4).reshape(B, S, 4 * D)
        fn = sequence_fn or slstm_sequence
        y = fn(wx, self.slstm_cell._recurrent_kernel_, self.bias_gate_major(), H, precision)
        # MultiHeadLayerNorm = group_norm(groups=heads, weight=1+w, no bias, eps 1e-5), written out
        # so the export keeps plain ops.
        yg = y.reshape(B, S, H, hd)
        mu = yg.mean(-1, keepdim=True)
        var = (yg - mu).pow(2).mean(-1, keepdim=True)
        yn = ((yg - mu) / torch.sqrt(var + 1e-5)).reshape(B, S, D)
        return yn * (1.0 + self.group_norm.weight)


class FeedForward(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.proj_up_gate = nn.Linear(d, hidden, bias=False)
        self.proj_up = nn.Linear(d, hidden, bias=False)
        self.proj_down = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.proj_down(F.silu(self.proj_up_gate(x)) * self.proj_up(x))


class SLSTMBlock(nn.Module):
    def __init__(self, cfg: XlstmConfig):
        super().__init__()
        self.norm_slstm = RMSNorm(cfg.embedding_dim)
        self.slstm_layer = SLSTMLayer(cfg)
        self.norm_ffn = RMSNorm(cfg.embedding_dim)
        self.ffn = FeedForward(cfg.embedding_dim, cfg.ffn_dim)

    def forward(self, x, precision="fp32", sequence_fn=None):
        x = x + self.slstm_layer(self.norm_slstm(x), precision, sequence_fn)
        return x + self.ffn(self.norm_ffn(x))


def nan_scale(x):
    """NaN-aware instance standard scaling over the window (population std)."""
    observed = ~torch.isnan(x)
    cnt = observed.sum(-1, keepdim=True)
    x0 = torch.where(observed, x, torch.zeros_like(x))
    loc = x0.sum(-1, keepdim=True) / cnt.clamp(min=1)
    loc = torch.where(cnt > 0, loc, torch.zeros_like(loc))
    dev = torch.where(observed, (x - loc) ** 2, torch.zeros_like(x))
    scale = torch.sqrt(dev.sum(-1, keepdim=True) / cnt.clamp(min=1))
    scale = torch.where(cnt > 0, scale, torch.ones_like(scale))
    scale = torch.where(scale == 0, loc.abs() + 1e-5, scale)
    return loc, scale


class XlstmForecaster(nn.Module):
    def __init__(self, cfg: XlstmConfig):
        super().__init__()
        self.cfg = cfg
        P, D = cfg.patch_size, cfg.embedding_dim
        self.input_patch_embedding = ResidualBlock(2 * P, cfg.input_ff_dim, D)
        self.blocks = nn.ModuleList([SLSTMBlock(cfg) for _ in range(cfg.num_blocks)])
        self.out_norm = RMSNorm(D)
        self.output_patch_embedding = ResidualBlock(D, cfg.input_ff_dim, cfg.num_quantiles * P)

    def head_weights(self):
        return {k: v for k, v in self.output_patch_embedding.state_dict().items()}

    def forward(self, context, new_patches=1, head=None, precision="fp32", sequence_fn=None):
        """context [B, L] (NaN = missing) -> quantiles [B, 32*k, 9], embeddings [B, k, D], loc, scale.
        The context is left-padded with NaN to a whole number of patches; k-1 all-missing patches
        are appended so one pass emits k patches (TiRex's accelerated rollout)."""
        P = self.cfg.patch_size
        B, L = context.shape
        pad = (P - L % P) % P
        if pad:
            context = torch.cat([torch.full((B, pad), float("nan"), dtype=context.dtype), context], 1)
        loc, scale = nan_scale(context)
        x = (context - loc) / scale
        tokens = x.reshape(B, -1, P)
        mask = (~torch.isnan(tokens)).float()
        tokens = torch.cat([torch.nan_to_num(tokens, nan=0.0), mask], -1)
        n_ctx = tokens.shape[1]
        k = int(new_patches)
        if k > 1:
            tokens = torch.cat([tokens, torch.zeros(B, k - 1, 2 * P, dtype=tokens.dtype)], 1)
        h = self.input_patch_embedding(tokens)
        for blk in self.blocks:
            h = blk(h, precision, sequence_fn)
        emb = self.out_norm(h)[:, n_ctx - 1:]
        out = residual_block(emb, head) if head is not None else self.output_patch_embedding(emb)
        q = out.view(B, -1, self.cfg.num_quantiles, P).transpose(2, 3).reshape(B, -1, self.cfg.num_quantiles)
        q = q * scale.unsqueeze(-1) + loc.unsqueeze(-1)
        return q, emb, loc.squeeze(-1), scale.squeeze(-1)


def adjust_context(context, length):
    """TiRex's _adjust_context_length: keep the last `length` values, left-pad with NaN to it."""
    B, L = context.shape
    if L >= length:
        return context[:, L - length:]
    return torch.cat([torch.full((B, length - L), float("nan"), dtype=context.dtype), context], 1)


@torch.no_grad()
def forecast(model, context, horizon, new_patches=1, precision="fp32"):
    """The official rollout: passes of k patches; between passes the context is extended with NaN
    (not predictions), cut to the context length and re-scaled."""
    P = model.cfg.patch_size
    ctx = context
    outs = []
    remaining = math.ceil(horizon / P)
    while remaining > 0:
        k = min(new_patches, remaining)
        q, _, _, _ = model(adjust_context(ctx, model.cfg.context_length), k, precision=precision)
        outs.append(q)
        ctx = torch.cat([ctx, torch.full((ctx.shape[0], P * k), float("nan"), dtype=ctx.dtype)], 1)
        remaining -= k
    return torch.cat(outs, 1)[:, :horizon]


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
