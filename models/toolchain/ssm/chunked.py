"""The S5 recurrence in chunked closed form, written for the ONNX export (docs/BENCHMARKS.md, "SSM graph").

The time axis is cut into chunks of T steps. Inside a chunk every state is a sum of powers of the
diagonal transition times the inputs, so per state channel p the chunk is one [2T, 2T] real matrix
(complex numbers as real pairs) applied by a single batched MatMul over all series and chunks. Only
the state carried from chunk to chunk runs through the sequential `ai.tsfm::S5Scan`, over L/T steps
instead of L. Powers come in closed form, λ^n = exp(n·dtΛ_re)·(cos n·dtΛ_im, sin n·dtΛ_im)."""
import torch

CHUNK = 16


def _powers(la, th, n):
    """λ^n for λ = exp(la + i·th) ([P]) and float exponents n (any shape) -> re, im [P, *n.shape]."""
    shape = [-1] + [1] * n.dim()
    mag = torch.exp(n[None] * la.reshape(shape))
    ang = n[None] * th.reshape(shape)
    return mag * torch.cos(ang), mag * torch.sin(ang)


def _pairs(re, im):
    """Complex multipliers as real 2x2 blocks for a row vector (u_re, u_im) on the left:
    (u_re, u_im) @ [[re, im], [-im, re]] = (re u_re - im u_im, im u_re + re u_im). -> [..., 2, 2] (in, out)."""
    return torch.stack([torch.stack([re, im], -1), torch.stack([-im, re], -1)], -2)


def chunk_matrices(la, th, chunk=CHUNK):
    """W [P, 2T, 2T] (rows (in, j), columns (out, t)): the within-chunk map x_t = Σ_{j≤t} λ^{t-j} u_j;
    Lp [P, 2, 2T] (rows in, columns (out, t)): the carried state's contribution λ^{t+1} s to step t."""
    t = torch.arange(chunk, dtype=la.dtype, device=la.device)
    d = t[None, :] - t[:, None]  # [j, t] = t - j
    keep = (d >= 0).to(la.dtype)
    re, im = _powers(la, th, torch.clamp(d, min=0.0))
    blocks = _pairs(re * keep, im * keep)  # [P, j, t, in, out]
    W = blocks.permute(0, 3, 1, 4, 2).reshape(la.shape[0], 2 * chunk, 2 * chunk)
    re1, im1 = _powers(la, th, t + 1.0)
    Lp = _pairs(re1, im1).permute(0, 2, 3, 1).reshape(la.shape[0], 2, 2 * chunk)  # [P, in, (out, t)]
    return W, Lp


def chunk_carry(e, lam_r, lam_i):
    """The state entering each chunk: e [P, 2, B, nc] (each chunk's end state from zero; re/im on axis 1),
    λ^T as lam_* [P] -> s_in [P, 2, B, nc], s_in_0 = 0, s_in_{c+1} = λ^T s_in_c + e_c."""
    s = torch.zeros_like(e[..., 0])
    lr, li = lam_r[:, None], lam_i[:, None]
    outs = []
    for c in range(e.shape[3]):
        outs.append(s)
        s = torch.stack([lr * s[:, 0] - li * s[:, 1], li * s[:, 0] + lr * s[:, 1]], 1) + e[..., c]
    return torch.stack(outs, 3)


def token_order(x, chunk=CHUNK):
    """[B, L] per-position values (L a multiple of `chunk`) -> [L·B] in the order the chunked graph keeps
    its rows: (step within chunk, series, chunk). Row-wise layers do not care about the order; the scan
    then finds each chunk's steps as contiguous blocks and needs no transpose."""
    return x.reshape(x.shape[0], -1, chunk).permute(2, 0, 1).reshape(-1)


def chunked_scan(bu, B, la, th, carry=chunk_carry, chunk=CHUNK):
    """bu [2P, N] (rows (p, re/im), columns in token_order) -> the states x_k = λ x_{k-1} + bu_k
    (x_{-1} = 0) in the same layout: per channel one [2T, 2T] MatMul over all chunks, then the carry."""
    P, T = la.shape[0], chunk
    W, Lp = chunk_matrices(la, th, T)
    X = torch.matmul(W.transpose(1, 2), bu.reshape(P, 2 * T, -1))  # [P, (re/im, t), (series, chunk)]
    ends = X.reshape(P, 2, T, -1)[:, :, T - 1].reshape(P, 2, B, -1)  # each chunk's end state, started from zero
    lr, li = _powers(la, th, torch.tensor(float(T), dtype=la.dtype))
    s_in = carry(ends, lr, li)
    X = X + torch.matmul(Lp.transpose(1, 2), s_in.reshape(P, 2, -1))
    return X.reshape(2 * P, -1)
