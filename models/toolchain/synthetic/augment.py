"""Augmentations: scaling/offsets, mixup, censoring, missing blocks, TiRex contiguous patch masking."""
import numpy as np


def scale_offset(rng, x, log_scale=(-3.0, 3.0), offset_sd=2.0):
    """x * 10^u + offset (the offset in units of the series' spread)."""
    sd = np.nanstd(x) or 1.0
    return x * 10.0 ** rng.uniform(*log_scale) + rng.normal(0, offset_sd) * sd * 10.0 ** rng.uniform(*log_scale)


def mixup(rng, a, b, lam_range=(0.6, 0.9)):
    """Convex mix of two standardised series; lam >= 0.5 keeps `a` dominant (and its period)."""
    lam = rng.uniform(*lam_range)
    za = (a - np.nanmean(a)) / (np.nanstd(a) or 1.0)
    zb = (b - np.nanmean(b)) / (np.nanstd(b) or 1.0)
    return lam * za + (1 - lam) * zb


def censor(rng, x, q_range=(0.7, 0.99)):
    """Clip at a random upper (or, half the time, lower) quantile."""
    q = rng.uniform(*q_range)
    if rng.random() < 0.5:
        return np.minimum(x, np.nanquantile(x, q))
    return np.maximum(x, np.nanquantile(x, 1 - q))


def missing_blocks(rng, x, n_blocks=2, max_frac=0.1):
    """Set `n_blocks` contiguous blocks (each up to max_frac of the length, >= 1) to NaN."""
    x = np.array(x, dtype=float)
    n = len(x)
    for _ in range(n_blocks):
        w = int(rng.integers(1, max(2, int(max_frac * n)) + 1))
        s = int(rng.integers(0, max(1, n - w + 1)))
        x[s:s + w] = np.nan
    return x


def cpm_mask(rng, x, patch=32, c_max=5, p_max=0.25):
    """TiRex CPM on a context [C]: c ~ U{1..c_max} patches per run, p ~ U(0, p_max); the patch grid is
    anchored at the end (the model left-pads); each run of c patches is NaN with probability p."""
    x = np.array(x, dtype=float)
    c = int(rng.integers(1, c_max + 1))
    p = rng.uniform(0, p_max)
    end = len(x)
    while end > 0:
        start = max(0, end - c * patch)
        if rng.random() < p:
            x[start:end] = np.nan
        end = start
    return x


def mix_series(rng, xs, concentration=1.0, weights=None):
    """A convex combination of several series of one length (the v2 prior's mixup, TempoPFN-style):
    weights ~ Dirichlet(concentration) unless given; each step of the result lies within the
    envelope of the inputs'. -> (mixed, weights)."""
    xs = np.asarray(xs, dtype=float)
    w = rng.dirichlet(np.full(len(xs), float(concentration))) if weights is None else np.asarray(weights, float)
    return w @ xs, w


def reverse(x):
    """Time reversal: a forecaster must not rely on the direction of the generators' dynamics."""
    return np.array(x, dtype=float)[::-1].copy()
