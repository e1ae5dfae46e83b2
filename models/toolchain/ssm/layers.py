"""FlowState modules with the official parameter names (MODELS.md §2.1), S5 in real arithmetic."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import SsmConfig
from .ops import s5_scan


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

    def forward(self, u, s, scan=s5_scan, started=None):
        """u [B, L, H]; `started` [B, L] zeroes B̄u over a row's leading padding so the state is
        still 0 at its first real step (the same as running the row without that padding)."""
        lam_r, lam_i, bb_r, bb_i = self.discretise(s)
        bu_r, bu_i = u @ bb_r.t(), u @ bb_i.t()
        if started is not None:
            bu_r, bu_i = bu_r * started[..., None], bu_i * started[..., None]
        xr, xi = scan(bu_r, bu_i, lam_r, lam_i)
        y = xr @ self.C_tilde_r.t() - xi @ self.C_tilde_i.t()
        if self.output_gate is not None:
            y = torch.sigmoid(self.output_gate(y)) * y
        return y + self.D * u


class GatedMLP(nn.Module):
    """r1.1 'transformer' MLP: W3(silu(W1 rms(y)) ⊙ W2 rms(y)), 2x expansion, RMSNorm eps 1e-6.
    The official module uses nn.Linear defaults (all three biased); `bias` follows the checkpoint."""

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

    def forward(self, u, s, scan=s5_scan, started=None):
        y = self.ssm(u, s, scan, started)
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
