"""TiRex's multi-patch rollout (MODELS.md §1.5): NaN is appended between passes, not predictions."""
import math

import torch

from .preprocess import adjust_context


@torch.no_grad()
def forecast(model, context, horizon, new_patches=1, precision="fp32"):
    """context [B, L] (NaN = missing) -> quantiles [B, horizon, 9]. Each pass sees exactly the
    model's context length (cut, or left-padded with NaN), is scaled on its own, and emits up to
    `new_patches` patches; then the context is extended by that many NaN steps."""
    P = model.cfg.patch_size
    ctx = context
    outs = []
    remaining = math.ceil(horizon / P)
    while remaining > 0:
        k = min(new_patches, remaining)
        q = model(adjust_context(ctx, model.cfg.context_length), k, precision=precision)[0]
        outs.append(q)
        ctx = torch.cat([ctx, torch.full((ctx.shape[0], P * k), float("nan"), dtype=ctx.dtype)], 1)
        remaining -= k
    return torch.cat(outs, 1)[:, :horizon]
