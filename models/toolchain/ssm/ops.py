"""Tensor-level pieces of the FlowState forward pass, written with ops that trace into ONNX with
every size dynamic (no Python control flow on tensor values)."""
import math

import torch

# float32 carries ~2^-24 relative error; a scale factor such as 24/360 sent as float32 makes
# 24/s land just below 360. Flooring with this slack recovers the double-precision result.
FLOOR_SLACK = 2.0 ** -22


def robust_floor_div(num, s, eps=0.0):
    """floor(num / s + eps) computed in float64 with a relative slack for a float32 s -> int64."""
    x = num / s.double()
    return torch.floor(x + x * FLOOR_SLACK + eps).long()


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


def legendre_basis(t, n):
    """P_0..P_{n-1} at continuous points t ([T]) by the three-term recurrence -> [T, n]."""
    cols = [torch.ones_like(t), t]
    for k in range(1, n - 1):
        cols.append(((2 * k + 1) * t * cols[k] - k * cols[k - 1]) / (k + 1))
    return torch.stack(cols[:n], -1)


def sample_times(P, s, patch_len=24, lo=-1.0, hi=0.95):
    """Decoder sample points t_k = lo + k·s·(hi - lo)/patch_len, k = 1..P (float32, like the official)."""
    dt = s * ((hi - lo) / patch_len)
    return lo + torch.arange(1, P + 1, device=dt.device if torch.is_tensor(dt) else None).float() * dt


def quantile_matrix(levels):
    """torch.quantile's linear interpolation over n sorted values, as a fixed [n, n] matrix."""
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
    """Expanding-window stats (MODELS.md §2.2): each variance term uses its own running mean μ_τ;
    rows with m = 1 add nothing, so they inherit the last observed stats."""
    obs = 1.0 - m
    n = torch.clamp(torch.cumsum(obs, 1), min=1.0)
    mu = torch.cumsum(v * obs, 1) / n
    var = torch.cumsum(((v - mu) * obs) ** 2, 1) / n
    sigma = torch.sqrt(torch.clamp(var, min=1e-5))
    return (v - mu) / sigma * obs, mu, sigma


def started_mask(m):
    """1 from each row's first observed step on, 0 over its leading missing block [B, L]."""
    return (torch.cumsum(1.0 - m, 1) > 0).float()


def tile_index(h, P, mask_n):
    """For each forecast step k < h: (emitting position, offset). Positions 0, P, 2P, … ≤ mask_n
    emit whole patches; steps past the last whole tile come from position mask_n, whose P
    outputs end exactly at step h (h = mask_n + P whenever mask_n > 0)."""
    k = torch.arange(h, device=h.device if torch.is_tensor(h) else None)
    tiles = torch.div(mask_n, P, rounding_mode="floor") + 1
    pos = torch.where(k < tiles * P, torch.div(k, P, rounding_mode="floor") * P, mask_n)
    return pos, k - pos
