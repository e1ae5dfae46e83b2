"""The mixture sampler: generator by weight, sampling rate (-> seasonal period), augmentations,
split into context and target. Everything comes from the `rng` passed in (seeded => reproducible)."""
import numpy as np

from .augment import censor, cpm_mask, missing_blocks, mixup, scale_offset
from .registry import DEFAULT_MIX, generate
from .resample import base_length, resample

BASE_PERIODS = (4.0, 7.0, 12.0, 24.0, 52.0, 168.0)
TARGET_PERIODS = (4.0, 7.0, 12.0, 24.0, 48.0, 52.0, 96.0, 168.0)
# `small2` adds the 5-minute daily cycle (scale factor 24/288).
TARGET_PERIODS_V2 = TARGET_PERIODS + (288.0,)  # export lists a run's periods as the xlstm's manifest `seasons`
MAX_RATE = 8.0
DEFAULT_AUG = {"scale_offset": 0.9, "mixup": 0.1, "censor": 0.05, "missing": 0.1}


def draw_rate(rng, target):
    """A base period within MAX_RATE of the target -> r = base / target (r = 1 half the time when
    the target is itself a base period)."""
    if target in BASE_PERIODS and rng.random() < 0.5:
        return target, 1.0
    ok = [p for p in BASE_PERIODS if 1.0 / MAX_RATE <= p / target <= MAX_RATE]
    base = float(rng.choice(ok)) if ok else target
    return base, base / target


# A GP's random length scales already cover every time scale, and resampling a Cholesky grid that
# was itself interpolated would alias short periods: these are drawn at the target period directly.
DIRECT = ("kernel_synth",)


def one_series(rng, name, total, target):
    if name in DIRECT:
        return generate(rng, name, total, target)
    base, r = draw_rate(rng, target)
    x = generate(rng, name, base_length(total, r), base)
    return resample(x, r, total) if r != 1.0 else x[:total]


def draw_free_periods(rng, periods, free_periods):
    """Replaces a share of the per-series periods by periods drawn log-uniformly from a range, half of
    them rounded to whole steps: free_periods = (share, low, high). The fixed list alone taught the
    xlstm (no time-scale input) to copy only those seasons (scripts/eval/sine_probe.py)."""
    share, lo, hi = free_periods
    free = rng.random(len(periods)) < share
    drawn = np.exp(rng.uniform(np.log(lo), np.log(hi), len(periods)))
    drawn = np.where(rng.random(len(periods)) < 0.5, np.round(drawn), drawn)
    return np.where(free, drawn, periods)


def sample_batch(rng, batch, context_len, horizon, mix=None, period=None, cpm=False, aug=None, patch=32, periods=None,
                 consistent_fallback=False, free_periods=None):
    """-> dict(context [B, C] float32, target [B, H] float32, period [B] float64; with `cpm` also
    context_full [B, C], the context before masking). `period` fixes one
    seasonal period for the batch (the ssm family's per-batch scale factor); otherwise each series
    draws its own. `cpm` applies TiRex contiguous patch masking to the context (xlstm family).

    A context left with fewer than 8 observed points (CPM, missing blocks), or fewer than its length
    when that is under 8, is replaced. With
    `consistent_fallback` the replacement is the augmented context before CPM, or, when that has
    fewer than 8 too, the generator's raw series for the context and the target alike. Without it
    (the batches the shipped runs were trained on) the context becomes the raw series' while the
    target keeps its augmentations (scaling, offset, mixup): a known flaw, ~1 % of xlstm series.

    `free_periods` (share, low, high), per-series periods only: that share of the series draws its
    period from [low, high] instead of `periods` (draw_free_periods); None draws nothing extra, so the
    batches of earlier runs are unchanged."""
    mix = mix or DEFAULT_MIX
    aug = DEFAULT_AUG if aug is None else aug
    names = list(mix)
    w = np.asarray([mix[n] for n in names], float)
    total = context_len + horizon
    periods = np.full(batch, float(period)) if period else rng.choice(periods or TARGET_PERIODS, batch).astype(float)
    if free_periods and free_periods[0] > 0 and not period:
        periods = draw_free_periods(rng, periods, free_periods)
    raw = [one_series(rng, str(rng.choice(names, p=w / w.sum())), total, periods[i]) for i in range(batch)]
    out = np.empty((batch, total))
    for i, x in enumerate(raw):
        if rng.random() < aug.get("mixup", 0):
            x = mixup(rng, x, raw[int(rng.integers(batch))])
        if rng.random() < aug.get("censor", 0):
            x = censor(rng, x)
        if rng.random() < aug.get("scale_offset", 0):
            x = scale_offset(rng, x)
        if rng.random() < aug.get("missing", 0):
            x = missing_blocks(rng, x, int(rng.integers(1, 4)))
        out[i] = x
    ctx, tgt = out[:, :context_len], out[:, context_len:]
    full = ctx.copy() if cpm else None  # the context before CPM: the targets of xlstm's per-token (dense) loss
    for i in range(batch):
        if cpm:
            ctx[i] = cpm_mask(rng, ctx[i], patch)
        if np.isfinite(ctx[i]).sum() < min(8, context_len):  # a context needs something to scale by
            # (a context shorter than 8 steps, which only configs with context_step < 8 draw, needs all of its own)
            if not consistent_fallback:
                ctx[i] = raw[i][:context_len]
            elif cpm and np.isfinite(full[i]).sum() >= 8:
                ctx[i] = full[i]
            else:
                ctx[i], tgt[i] = raw[i][:context_len], raw[i][context_len:]
                if cpm:
                    full[i] = ctx[i]
    b = {"context": ctx.astype(np.float32), "target": tgt.astype(np.float32), "period": periods}
    if cpm:
        b["context_full"] = full.astype(np.float32)
    return b
