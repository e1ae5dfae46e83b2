"""Batches keyed by (seed, step): the batch of a step is the same whichever process builds it and
whether or not the run was resumed. Background DataLoader workers build them ahead, worker i the
steps with step % workers == i, which the DataLoader hands back round-robin: in step order."""
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset

from ..synthetic import sample_batch
from ..synthetic.sampler import TARGET_PERIODS, draw_free_periods
from ..synthetic.sampler_v2 import draw_shape as prior_shape, sample_prior_batch
from .adjust import adjust_batch

VAL_SEED = 20261129


def draw_shape(rng, dc):
    if dc.prior:
        return prior_shape(rng, dc.prior)
    if dc.tiny_prob and rng.random() < dc.tiny_prob:
        return int(rng.integers(dc.tiny_context[0], dc.tiny_context[1] + 1)), int(rng.integers(dc.tiny_horizon[0], dc.tiny_horizon[1] + 1))
    if dc.short_prob and rng.random() < dc.short_prob:
        dc = type(dc)(**{**dc.__dict__, "context": dc.short_context, "horizon": dc.short_horizon, "short_prob": 0.0})
    lo, hi = dc.context[0] // dc.context_step, dc.context[1] // dc.context_step
    C = int(rng.integers(lo, hi + 1)) * dc.context_step
    H = int(rng.integers(dc.horizon[0], dc.horizon[1] + 1))
    return C, H


def make_batch(rng, batch, dc, C, H):
    if dc.prior:  # the batch's profile (period, families) is drawn given (C, H): sampler_v2.profile_probs
        b = sample_prior_batch(rng, batch, dc.prior, C, H, cpm=dc.cpm)
        if dc.seasonal_adjust:
            adjust_batch(b, dc.seasonal_adjust)
        return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in b.items()}
    periods = tuple(dc.periods) if dc.periods else TARGET_PERIODS
    period = float(rng.choice(periods)) if dc.shared_period else None
    free = (dc.free_period_prob, *dc.free_period_range) if dc.free_period_prob else None
    if free and period:  # one period per batch (the ssm's scale factor): the batch's may be a free one
        period = float(draw_free_periods(rng, np.array([period]), free)[0])
    b = sample_batch(rng, batch, C, H, mix=dc.mix, period=period, cpm=dc.cpm, periods=periods,
                     consistent_fallback=dc.consistent_fallback, free_periods=free)
    if dc.seasonal_adjust:
        adjust_batch(b, dc.seasonal_adjust)
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in b.items()}


def batch_for_step(seed, step, batch, dc):
    rng = np.random.default_rng([seed, step])
    C, H = draw_shape(rng, dc)
    return make_batch(rng, batch, dc, C, H)


def validation_set(dc):
    """A FIXED set (VAL_SEED, fixed lengths; no CPM, the original fallback and the fixed period list,
    so every model and every stage sees the same inputs)."""
    rng = np.random.default_rng(VAL_SEED)
    plain = type(dc)(**{**dc.__dict__, "cpm": False, "consistent_fallback": False, "free_period_prob": 0.0, "seasonal_adjust": 0})
    return [make_batch(rng, dc.val_batch, plain, dc.val_context, dc.val_horizon) for _ in range(dc.val_batches)]


class StepBatches(IterableDataset):
    def __init__(self, seed, start, stop, batch, dc):
        self.seed, self.start, self.stop, self.batch, self.dc = seed, start, stop, batch, dc

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        k, n = (info.id, info.num_workers) if info else (0, 1)
        for step in range(self.start + k, self.stop, n):
            yield step, batch_for_step(self.seed, step, self.batch, self.dc)


def batches(seed, start, stop, batch, dc, workers=1):
    """(step, batch) for steps start..stop-1 in order, built by `workers` background processes (0 = inline)."""
    ds = StepBatches(seed, start, stop, batch, dc)
    if workers == 0:
        return iter(ds)
    return iter(DataLoader(ds, batch_size=None, num_workers=workers, prefetch_factor=4, persistent_workers=False))
