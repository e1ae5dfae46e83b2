"""A chunked S5 scan for training: within chunks of T steps x = Toeplitz(Λ̄^(i-j)) · B̄u in one
einsum, chunk to chunk carried sequentially. Same result as ssm.ops.s5_scan, ~T times fewer loops."""
import torch


def chunked_scan(bu_r, bu_i, lam_r, lam_i, chunk=32):
    B, L, P = bu_r.shape
    T = min(chunk, L)
    pad = (-L) % T
    if pad:
        bu_r = torch.cat([bu_r, bu_r.new_zeros(B, pad, P)], 1)
        bu_i = torch.cat([bu_i, bu_i.new_zeros(B, pad, P)], 1)
    nc = bu_r.shape[1] // T
    mag = torch.sqrt(lam_r ** 2 + lam_i ** 2)
    ang = torch.atan2(lam_i, lam_r)
    d = torch.arange(T + 1, dtype=bu_r.dtype)[:, None]
    pw_r, pw_i = mag ** d * torch.cos(d * ang), mag ** d * torch.sin(d * ang)  # Λ̄^d, d = 0..T  [T+1, P]
    idx = torch.arange(T)
    lag = (idx[:, None] - idx[None, :]).clamp(min=0)
    low = (idx[:, None] >= idx[None, :]).to(bu_r.dtype)[..., None]
    Mr, Mi = pw_r[lag] * low, pw_i[lag] * low  # [T, T, P]
    ur, ui = bu_r.view(B, nc, T, P), bu_i.view(B, nc, T, P)
    xr = torch.einsum("ijp,bcjp->bcip", Mr, ur) - torch.einsum("ijp,bcjp->bcip", Mi, ui)
    xi = torch.einsum("ijp,bcjp->bcip", Mr, ui) + torch.einsum("ijp,bcjp->bcip", Mi, ur)
    carry_r, carry_i = bu_r.new_zeros(B, P), bu_r.new_zeros(B, P)
    cr, ci = [], []
    for c in range(nc):  # state entering chunk c
        cr.append(carry_r)
        ci.append(carry_i)
        lr, li = pw_r[T], pw_i[T]
        carry_r, carry_i = xr[:, c, -1] + lr * carry_r - li * carry_i, xi[:, c, -1] + lr * carry_i + li * carry_r
    sr, si = torch.stack(cr, 1)[:, :, None], torch.stack(ci, 1)[:, :, None]  # [B, nc, 1, P]
    ar, ai = pw_r[1:T + 1], pw_i[1:T + 1]  # Λ̄^(i+1)
    xr = xr + ar * sr - ai * si
    xi = xi + ar * si + ai * sr
    return xr.reshape(B, -1, P)[:, :L], xi.reshape(B, -1, P)[:, :L]
