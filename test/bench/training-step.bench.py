"""Training-step benchmark for the ssm family: the chunked S5 scan (toolchain/training/scan.py) against
the implementation it replaced (einsum over a strided channel axis plus a Python loop selecting every
chunk's last state, kept below as the reference) and the sequential recurrence (ssm.ops.s5_scan).

Run: npm run bench -- training-step   (cd models && PYTHONPATH=. python3 ../test/bench/training-step.bench.py)
Prints medians of forward + backward seconds and the ratios, measured in one run on the same inputs."""
import argparse

import numpy as np
import torch

from toolchain.ssm.ops import s5_scan
from toolchain.training import families
from toolchain.training.configs import config_for
from toolchain.training.data import make_batch
from toolchain.training.families import batch_loss, build_model
from toolchain.bench_torch import timed  # median of reps after one warm-up call
from toolchain.training.scan import chunked_scan, pad_to_chunks


def einsum_scan(bu_r, bu_i, lam_r, lam_i, chunk=32):
    """The previous toolchain.training.scan.chunked_scan (commit c259999), for the comparison."""
    B, L, P = bu_r.shape
    T, bu_r, bu_i = pad_to_chunks(bu_r, bu_i, chunk)
    nc = bu_r.shape[1] // T
    mag = torch.sqrt(lam_r ** 2 + lam_i ** 2)
    ang = torch.atan2(lam_i, lam_r)
    d = torch.arange(T + 1, dtype=bu_r.dtype)[:, None]
    pw_r, pw_i = mag ** d * torch.cos(d * ang), mag ** d * torch.sin(d * ang)
    idx = torch.arange(T)
    lag = (idx[:, None] - idx[None, :]).clamp(min=0)
    low = (idx[:, None] >= idx[None, :]).to(bu_r.dtype)[..., None]
    Mr, Mi = pw_r[lag] * low, pw_i[lag] * low
    ur, ui = bu_r.view(B, nc, T, P), bu_i.view(B, nc, T, P)
    xr = torch.einsum("ijp,bcjp->bcip", Mr, ur) - torch.einsum("ijp,bcjp->bcip", Mi, ui)
    xi = torch.einsum("ijp,bcjp->bcip", Mr, ui) + torch.einsum("ijp,bcjp->bcip", Mi, ur)
    carry_r, carry_i = bu_r.new_zeros(B, P), bu_r.new_zeros(B, P)
    cr, ci = [], []
    for c in range(nc):
        cr.append(carry_r)
        ci.append(carry_i)
        lr, li = pw_r[T], pw_i[T]
        carry_r, carry_i = xr[:, c, -1] + lr * carry_r - li * carry_i, xi[:, c, -1] + lr * carry_i + li * carry_r
    sr, si = torch.stack(cr, 1)[:, :, None], torch.stack(ci, 1)[:, :, None]
    ar, ai = pw_r[1:T + 1], pw_i[1:T + 1]
    xr = xr + ar * sr - ai * si
    xi = xi + ar * si + ai * sr
    return xr.reshape(B, -1, P)[:, :L], xi.reshape(B, -1, P)[:, :L]


def scan_case(scan, B, L, P):
    g = torch.Generator().manual_seed(1)
    br, bi = torch.randn(B, L, P, generator=g, requires_grad=True), torch.randn(B, L, P, generator=g, requires_grad=True)
    mag = (torch.rand(P, generator=g) * 0.5 + 0.5).requires_grad_()
    ang = (torch.rand(P, generator=g) * 3).requires_grad_()

    def run():
        xr, xi = scan(br, bi, mag * torch.cos(ang), mag * torch.sin(ang))
        (xr.sum() + (xi ** 2).mean()).backward()
    return run


def step_case(model, tc, batch, scan):
    def run():
        families.chunked_scan = scan  # ssm_loss looks the scan up in the module
        model.zero_grad()
        batch_loss("ssm", model, batch, tc.dense).backward()
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} threads, median of {a.reps}")
    print("\nS5 scan alone, forward + backward, B 32, P 128 (the small ssm's state):")
    print("| L | sequential s | einsum chunks (before) s | bmm chunks (now) s | before / now | sequential / now |")
    print("|---|---|---|---|---|---|")
    for L in (256, 1024):
        s = timed(scan_case(s5_scan, 32, L, 128), a.reps)
        e = timed(scan_case(einsum_scan, 32, L, 128), a.reps)
        n = timed(scan_case(chunked_scan, 32, L, 128), a.reps)
        print(f"| {L} | {s:.3f} | {e:.3f} | {n:.3f} | {e / n:.1f}x | {s / n:.1f}x |")
    tc = config_for("ssm", "small9")  # the shipped recipe; small4 (the figures before it) had the same model and loss
    model = build_model("ssm", tc.model, 0)
    print("\nWhole ssm training step (config small9: loss with forecasts from context positions, forward + backward), batch 32:")
    print("| context | horizon | einsum chunks (before) s | bmm chunks (now) s | before / now |")
    print("|---|---|---|---|---|")
    for C, H in ((256, 48), (1024, 96)):
        b = make_batch(np.random.default_rng(0), 32, tc.data, C, H)
        b = {k: torch.as_tensor(v) for k, v in b.items()}
        e = timed(step_case(model, tc, b, einsum_scan), a.reps)
        n = timed(step_case(model, tc, b, chunked_scan), a.reps)
        print(f"| {C} | {H} | {e:.2f} | {n:.2f} | {e / n:.1f}x |")
    families.chunked_scan = chunked_scan


if __name__ == "__main__":
    main()
