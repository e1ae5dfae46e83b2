"""FlowState-architecture forecaster in real arithmetic (no complex dtypes, no FFT), with module
and parameter names of the official checkpoint (MODELS.md §2). One forward pass serves any scale
factor and horizon; every size stays dynamic under ONNX tracing."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..common import QUANTILES
from .config import SsmConfig
from .hippo import hippo_init  # noqa: F401  (re-exported for trainers and the dev model)
from .layers import S5, Decoder, Embed, Encoder, GatedMLP, S5Layer  # noqa: F401
from .ops import (causal_revin, legendre_basis, quantile_matrix, robust_floor_div, s5_scan,  # noqa: F401
                  sample_times, started_mask, tile_index)

MAX_CONTEXT = 16384


class SsmForecaster(nn.Module):
    def __init__(self, cfg: SsmConfig):
        super().__init__()
        self.cfg = cfg
        E = cfg.embedding_feature_dim
        self.embed = Embed(E)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(E, cfg.num_quantiles, cfg.decoder_dim)
        self.register_buffer("qmat", quantile_matrix(QUANTILES), persistent=False)

    def head_weights(self):
        return {"weight": self.decoder.lin.weight, "bias": self.decoder.lin.bias}

    def plan(self, scale_factor, horizon):
        """P = ⌊24/s + 1e-6⌋ steps per position, mask_n = max(0, h − P) masked future rows, and
        the context kept: the last min(16384, ⌊C/s⌋) − mask_n values (at least one)."""
        s = scale_factor[0]
        P = robust_floor_div(self.cfg.decoder_patch_len, s, 1e-6)
        mask_n = torch.clamp(horizon[0] - P, min=0)
        keep = torch.clamp(torch.clamp(robust_floor_div(self.cfg.context_length, s), max=MAX_CONTEXT) - mask_n, min=1)
        return s, P, mask_n, keep

    def encode(self, context, scale_factor, horizon, scan=s5_scan):
        """context [B, L] (NaN = missing) -> the last-layer embeddings at the emitting positions
        (the input of decoder.lin) [B, M, E], their RevIN loc/scale [B, M], M = mask_n + 1,
        and (s, P, mask_n). This is the path a head fine-tuner trains on."""
        u, mu, sigma, _, plan = self.encode_sequence(context, scale_factor, horizon, scan)
        return (*self.emitting(u, mu, sigma, plan[2]), plan)

    @staticmethod
    def emitting(u, mu, sigma, mask_n):
        """The last mask_n + 1 positions of encode_sequence's outputs: embeddings [B, M, E], loc and
        scale [B, M]."""
        Le = u.shape[1]
        pos = torch.arange(Le - (mask_n + 1), Le, device=u.device)
        return torch.index_select(u, 1, pos), torch.index_select(mu, 1, pos), torch.index_select(sigma, 1, pos)

    def encode_sequence(self, context, scale_factor, horizon, scan=s5_scan):
        """The whole last-layer sequence: u [B, Le, E] over the kept context and the mask_n masked
        rows, the causal RevIN mu/sigma [B, Le], the kept context [B, Le − mask_n] (NaN = missing),
        and (s, P, mask_n). Every context position's embedding forecasts the next P steps (the
        training's parallel loss, FlowState's forecasts from all context positions)."""
        B, L = context.shape[0], context.shape[1]
        s, P, mask_n, keep = self.plan(scale_factor, horizon)
        ctx = torch.index_select(context, 1, torch.arange(torch.clamp(L - keep, min=0), L, device=context.device))
        m = torch.isnan(ctx).float()
        v = torch.nan_to_num(ctx, nan=0.0)
        future = torch.zeros_like(v[:, :1]).expand(B, mask_n)
        v = torch.cat([v, future], 1)
        m = torch.cat([m, future + 1.0], 1)
        z, mu, sigma = causal_revin(v, m)
        started = started_mask(m) if self.cfg.leading_nan_is_padding else None
        u = self.embed.embed(torch.stack([z, m], -1))
        for layer in self.encoder.layers:
            u = layer(u, s, scan, started)
        return u, mu, sigma, ctx, (s, P, mask_n)

    def coefficients(self, emb, head=None):
        """decoder.lin: [B, M, E] -> Legendre coefficients [B, M, Q, Ddec] (quantile-major)."""
        w = head if head is not None else self.head_weights()
        coef = F.linear(emb, w["weight"], w["bias"])
        return coef.reshape(emb.shape[0], emb.shape[1], self.cfg.num_quantiles, self.cfg.decoder_dim)

    def curve(self, emb, t, head=None, basis=legendre_basis):
        """The functional decoder at arbitrary continuous times t ([T], the official grid is
        sample_times): normalised raw outputs [B, M, Q, T]."""
        W = basis(t, self.cfg.decoder_dim) / 4.0
        return torch.matmul(self.coefficients(emb, head), W.t())

    def decode(self, emb, loc, scale, plan, horizon, head=None, basis=legendre_basis):
        """Raw outputs at the sample points, de-normalised per emitting position, tiled to exactly
        h steps, then torch.quantile(raw_9, levels) as sort + a fixed matrix -> [B, h, Q]."""
        s, P, mask_n = plan
        B, Q = emb.shape[0], self.cfg.num_quantiles
        vals = self.curve(emb, sample_times(P, s, self.cfg.decoder_patch_len), head, basis)
        vals = vals * scale[:, :, None, None] + loc[:, :, None, None]
        pos, off = tile_index(horizon[0], P, mask_n)
        vals = vals.permute(0, 2, 1, 3).reshape(B, Q, -1)
        picked = torch.index_select(vals, 2, pos * P + off).transpose(1, 2)
        ordered, _ = torch.sort(picked, dim=-1)
        return torch.matmul(ordered, self.qmat.t())

    def forward(self, context, scale_factor, horizon, head=None, scan=s5_scan, basis=legendre_basis):
        """context [B, L], scale_factor [1] float32, horizon [1] int64 ->
        quantiles [B, h, 9], embeddings [B, M, E], loc [B, M], scale [B, M]."""
        emb, loc, scale, plan = self.encode(context, scale_factor, horizon, scan)
        return self.decode(emb, loc, scale, plan, horizon, head, basis), emb, loc, scale


@torch.no_grad()
def forecast(model, context, scale_factor, horizon, official_tail_bug=False):
    """Quantiles [B, h, 9]. official_tail_bug=True reproduces the official _combine_cpm_predictions,
    which appends no tail when (mask_n + 1) % P == 0 and so returns mask_n + 1 < h steps."""
    s = torch.tensor([float(scale_factor)])
    q = model(context, s, torch.tensor([int(horizon)]))[0]
    if official_tail_bug:
        _, P, mask_n, _ = model.plan(s, torch.tensor([int(horizon)]))
        P, mask_n = int(P), int(mask_n)
        if mask_n > 0 and (mask_n + 1) % P == 0:
            q = q[:, : mask_n + 1]
    return q


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
