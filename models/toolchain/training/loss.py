"""Pinball loss over the quantile levels, NaN targets masked."""
import torch

from ..common import QUANTILES

# Normalised targets beyond this are clipped: a flat context (scale ~1e-5) would otherwise blow up.
TARGET_CLIP = 100.0


def pinball(pred, target, levels=QUANTILES):
    """pred [B, H, Q], target [B, H] (NaN = missing) -> mean over observed (step, level) pairs."""
    q = torch.tensor(levels, dtype=pred.dtype, device=pred.device)
    obs = ~torch.isnan(target)
    y = torch.nan_to_num(target, nan=0.0).unsqueeze(-1)
    diff = y - pred
    loss = torch.maximum(q * diff, (q - 1) * diff)
    w = obs.unsqueeze(-1).to(pred.dtype).expand_as(loss)
    return (loss * w).sum() / w.sum().clamp(min=1.0)


def normalise(target, loc, scale):
    return torch.clamp((target - loc) / scale, -TARGET_CLIP, TARGET_CLIP)
