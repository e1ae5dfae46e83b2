"""FlowState-architecture forecaster in real arithmetic (no complex dtypes, no FFT), with module
and parameter names of the official checkpoint (MODELS.md §2)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import SsmConfig


def s5_scan(bu_r, bu_i, lam_r, lam_i):
    """x_k = Λ̄ x_{k-1} + B̄u_k over time for complex diagonal Λ̄ = lam_r + i lam_i ([P]).
    bu_* [B, L, P] -> x_r, x_i [B, L, P]."""
    B, L, P = bu_r.shape
    xr = bu_r.new_zeros(B, P)
    xi = bu_r.new_zeros(B, P)
    outs_r, outs_i = [], []
    for k in range(L):
        xr, xi = lam_r * xr - lam_i * xi + bu_r[:, k], lam_r * xi + lam_i * xr + bu_i[:, k]
        outs_r.append(xr)
        outs_i.append(xi)
    return torch.stack(outs_r, 1), torch.stack(outs_i, 1)


class S5(nn.Module):
    def __init__(self, H, P, out_gating):
        super().__init__()
        self.log_Lambda_real = nn.Parameter(torch.zeros(P))
        self.Lambda_imag = nn.Parameter(torch.zeros(P))
        self.B_tilde_r = nn.Parameter(torch.zeros(P, H))
        self.B_tilde_i = nn.Parameter(torch.zeros(P, H))
        self.C_tilde_r = nn.Parameter(torch.zeros(H, P))
        self.C_tilde_i = nn.Parameter(torch.zeros(H, P))
        self.D = nn.Parameter(torch.zeros(H))
        self.log_Delta = nn.Parameter(torch.zeros(P))
        self.output_gate = nn.Linear(H, H) if out_gating else None

    def discretise(self, s):
        """ZOH with the scale factor multiplying Δ: Λ̄ = exp(sΔλ), B̄ = ((Λ̄ - 1)/λ) ⊙ B̃, in real parts."""
        a = -torch.exp(self.log_Lambda_real)
        b = self.Lambda_imag
        dt = s * torch.exp(self.log_Delta)
        mag = torch.exp(dt * a)
        lam_r, lam_i = mag * torch.cos(dt * b), mag * torch.sin(dt * b)
        den = a * a + b * b
        g_r = ((lam_r - 1) * a + lam_i * b) / den
        g_i = (lam_i * a - (lam_r - 1) * b) / den
        bb_r = g_r[:, None] * self.B_tilde_r - g_i[:, None] * self.B_tilde_i
        bb_i = g_r[:, None] * self.B_tilde_i + g_i[:, None] * self.B_tilde_r
        return lam_r, lam_i, bb_r, bb_i

    def forward(self, u, s, scan=s5_scan):
        lam_r, lam_i, bb_r, bb_i = self.discretise(s)
        xr, xi = scan(u @ bb_r.t(), u @ bb_i.t(), lam_r, lam_i)
        y = xr @ self.C_tilde_r.t() - xi @ self.C_tilde_i.t()
        if self.output_gate is not None:
            y = torch.sigmoid(self.output_gate(y)) * y
        return y + self.D * u


class GatedMLP(nn.Module):
    """r1.1 'transformer' MLP: W3(silu(W1 rms(y)) ⊙ W2 rms(y)), 2x expansion, RMSNorm eps 1e-6."""

    def __init__(self, H, bias):
        super().__init__()
        self.rms_weight = nn.Parameter(torch.ones(H))
        self.w1 = nn.Linear(H, 2 * H, bias=bias[0])
        self.w2 = nn.Linear(H, 2 * H, bias=bias[1])
        self.w3 = nn.Linear(2 * H, H, bias=bias[2])

    def forward(self, y):
        r = y * torch.rsqrt(y.pow(2).mean(-1, keepdim=True) + 1e-6) * self.rms_weight
        return self.w3(F.silu(self.w1(r)) * self.w2(r))


class S5Layer(nn.Module):
    def __init__(self, cfg: SsmConfig):
        super().__init__()
        H, P = cfg.embedding_feature_dim, cfg.encoder_state_dim
        self.mlp_type = cfg.mlp_type
        self.ssm = S5(H, P, cfg.out_gating)
        if cfg.mlp_type == "gated":
            self.out = nn.Linear(H, H)
        else:
            self.mlp = GatedMLP(H, cfg.mlp_bias)
        self.norm = nn.LayerNorm(H)

    def forward(self, u, s, scan=s5_scan):
        y = self.ssm(u, s, scan)
        if self.mlp_type == "gated":
            h = F.selu(y)
            h = h * torch.sigmoid(self.out(h))
        else:
            h = y + self.mlp(y)
        return u + self.norm(h)


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList([S5Layer(cfg) for _ in range(cfg.encoder_num_layers)])


class Embed(nn.Module):
    def __init__(self, E):
        super().__init__()
        self.embed = nn.Linear(2, E)


class Decoder(nn.Module):
    def __init__(self, E, Q, Ddec):
        super().__init__()
        self.lin = nn.Linear(E, Q * Ddec)


def legendre_basis(t, n):
    """P_0..P_{n-1} at points t ([T]) by the three-term recurrence -> [T, n]."""
    cols = [torch.ones_like(t), t * 1.0]
    for k in range(1, n - 1):
        cols.append(((2 * k + 1) * t * cols[k] - k * cols[k - 1]) / (k + 1))
    return torch.stack(cols[:n], -1)


def quantile_matrix(levels):
    """torch.quantile's linear interpolation over 9 sorted values, as a fixed [9, 9] matrix."""
    n = len(levels)
    M = torch.zeros(n, n)
    for r, q in enumerate(levels):
        pos = q * (n - 1)
        lo = int(math.floor(pos + 1e-9))
        frac = pos - lo
        M[r, lo] += 1 - frac
        if frac > 1e-9:
            M[r, lo + 1] += frac
    return M


def causal_revin(v, m):
    """Expanding-window stats (MODELS.md §2.2): each variance term uses its own running mean μ_τ."""
    obs = 1.0 - m
    n = torch.clamp(torch.cumsum(obs, 1), min=1.0)
    mu = torch.cumsum(v * obs, 1) / n
    var = torch.cumsum(((v - mu) * obs) ** 2, 1) / n
    sigma = torch.sqrt(torch.clamp(var, min=1e-5))
    return (v - mu) / sigma * obs, mu, sigma


class SsmForecaster(nn.Module):
    def __init__(self, cfg: SsmConfig):
        super().__init__()
        self.cfg = cfg
        E = cfg.embedding_feature_dim
        self.embed = Embed(E)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(E, cfg.num_quantiles, cfg.decoder_dim)
        from ..common import QUANTILES
        self.register_buffer("qmat", quantile_matrix(QUANTILES), persistent=False)

    def head_weights(self):
        return {"weight": self.decoder.lin.weight, "bias": self.decoder.lin.bias}

    def forward(self, context, scale_factor, horizon, head=None, scan=s5_scan, basis=legendre_basis):
        """context [B, L] (NaN = missing), scale_factor [1], horizon [1] (int64) ->
        quantiles [B, h, 9], embeddings [B, M, E], loc [B, M], scale [B, M] with M = mask_n + 1.
        Written with tensor ops only, so ONNX export keeps every size dynamic."""
        cfg = self.cfg
        B, L = context.shape[0], context.shape[1]
        s = scale_factor[0]
        h = horizon[0]
        P = torch.floor(cfg.decoder_patch_len / s + 1e-6).long()
        mask_n = torch.clamp(h - P, min=0)
        keep = torch.clamp(torch.floor(cfg.context_length / s).long(), max=16384) - mask_n
        start = torch.clamp(L - keep, min=0)
        ctx = torch.index_select(context, 1, torch.arange(start, L))
        m = torch.isnan(ctx).float()
        v = torch.nan_to_num(ctx, nan=0.0)
        future = torch.zeros_like(v[:, :1]).expand(B, mask_n)
        v = torch.cat([v, future], 1)
        m = torch.cat([m, future + 1.0], 1)
        z, mu, sigma = causal_revin(v, m)
        u = self.embed.embed(torch.stack([z, m], -1))
        for layer in self.encoder.layers:
            u = layer(u, s, scan)
        Le = u.shape[1]
        M = mask_n + 1
        pos = torch.arange(Le - M, Le)
        emb = torch.index_select(u, 1, pos)
        mu_e, sig_e = torch.index_select(mu, 1, pos), torch.index_select(sigma, 1, pos)
        w = head if head is not None else self.head_weights()
        Q, Dd = cfg.num_quantiles, cfg.decoder_dim
        coef = F.linear(emb, w["weight"], w["bias"]).reshape(B, -1, Q, Dd)
        t = -1.0 + torch.arange(1, P + 1).float() * s * (1.95 / cfg.decoder_patch_len)
        W = basis(t, Dd) / 4.0
        vals = torch.matmul(coef, W.t())  # [B, M, Q, P]
        vals = vals * sig_e[:, :, None, None] + mu_e[:, :, None, None]
        # Tiles from positions 0, P, 2P, ... <= mask_n, the tail from the last position (mask_n).
        kk = torch.arange(h)
        tiles = torch.div(mask_n, P, rounding_mode="floor") + 1
        p = torch.where(kk < tiles * P, torch.div(kk, P, rounding_mode="floor") * P, mask_n)
        flat = p * P + (kk - p)
        vals = vals.permute(0, 2, 1, 3).reshape(B, Q, -1)
        picked = torch.index_select(vals, 2, flat).transpose(1, 2)  # [B, h, Q]
        ordered, _ = torch.sort(picked, dim=-1)
        return torch.matmul(ordered, self.qmat.t()), emb, mu_e, sig_e


@torch.no_grad()
def forecast(model, context, scale_factor, horizon, official_tail_bug=False):
    q = model(context, torch.tensor([float(scale_factor)]), torch.tensor([int(horizon)]))[0]
    if official_tail_bug:
        P = int(model.cfg.decoder_patch_len / scale_factor + 1e-6)
        mask_n = max(0, horizon - P)
        if (mask_n + 1) % P == 0:  # the official _combine_cpm_predictions drops the tail here
            q = q[:, : (mask_n // P + 1) * P]
    return q


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def hippo_init(model, seed=0):
    """Block-diagonal HiPPO-N initialisation for training from scratch (MODELS.md §2.3)."""
    g = torch.Generator().manual_seed(seed)
    cfg = model.cfg
    P, H = cfg.encoder_state_dim, cfg.embedding_feature_dim
    nb = cfg.encoder_num_hippo_blocks
    bs = P // nb
    k = torch.arange(bs, dtype=torch.float64)
    nvec = torch.sqrt(2 * k + 3)
    A = -0.5 * torch.eye(bs, dtype=torch.float64) + torch.triu(-0.5 * torch.outer(nvec, nvec)) - torch.tril(-0.5 * torch.outer(nvec, nvec))
    # the diagonal: triu and tril both include it; -0.5 n n^T cancels there, leaving -1/2 I
    lam, V = torch.linalg.eig(A)
    Vinv = torch.linalg.inv(V)
    with torch.no_grad():
        for layer in model.encoder.layers:
            ssm = layer.ssm
            lam_full = lam.repeat(nb)
            ssm.log_Lambda_real.copy_(torch.log(torch.clamp(-lam_full.real, min=1e-4)).float())
            ssm.Lambda_imag.copy_(lam_full.imag.float())
            Bc = torch.complex(torch.randn(P, H, generator=g, dtype=torch.float64), torch.randn(P, H, generator=g, dtype=torch.float64)) * (0.5 / math.sqrt(H))
            Cc = torch.complex(torch.randn(H, P, generator=g, dtype=torch.float64), torch.randn(H, P, generator=g, dtype=torch.float64)) * (0.5 / math.sqrt(P))
            Vb = torch.block_diag(*[V] * nb)
            Vbinv = torch.block_diag(*[Vinv] * nb)
            Bt = Vbinv @ Bc
            Ct = Cc @ Vb
            ssm.B_tilde_r.copy_(Bt.real.float()); ssm.B_tilde_i.copy_(Bt.imag.float())
            ssm.C_tilde_r.copy_(Ct.real.float()); ssm.C_tilde_i.copy_(Ct.imag.float())
            ssm.D.copy_(torch.randn(H, generator=g))
            ssm.log_Delta.copy_(torch.empty(P).uniform_(math.log(1e-3), math.log(1e-1), generator=g))
    return model
