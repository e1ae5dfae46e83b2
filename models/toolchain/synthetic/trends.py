"""Trends and levels: damped and multiplicative trends with breaks, random walks with drift, level
shifts with outliers: the yearly and quarterly business series and the slowly drifting levels (lakes,
rivers, temperature anomalies) the shipped prior covered thinly."""
import numpy as np
from scipy.signal import lfilter


def segment_starts(rng, length, n_breaks, min_gap=3):
    """0 and `n_breaks` break positions, at least `min_gap` apart and from either end (fewer when the
    series is too short for them)."""
    slots = np.arange(min_gap, length - min_gap + 1, min_gap)
    n = min(int(n_breaks), len(slots))
    return np.r_[0, np.sort(rng.choice(slots, n, replace=False))].astype(int) if n else np.zeros(1, int)


def damped_trend(rng, length, level=0.0, slopes=(0.1,), phi=1.0, breaks=None, jumps=None, multiplicative=False,
                 noise=0.0, ar=0.0):
    """A trend whose slope decays by `phi` per step, y_t = y_{t-1} + b_t with b_t = phi b_{t-1}, and
    restarts at each break: segment i (from breaks[i-1]) starts at slope slopes[i] and with a level
    jump jumps[i-1]. Multiplicative: the same path is the log of the series (slopes are growth rates)
    and the noise is a factor exp(e). Noise is AR(1) with coefficient `ar` and standard deviation
    `noise` (unconditional)."""
    breaks = np.zeros(0, int) if breaks is None else np.asarray(breaks, int)
    starts = np.r_[0, breaks]
    if len(slopes) != len(starts):
        raise ValueError("one slope per segment: len(slopes) == len(breaks) + 1")
    jumps = np.zeros(len(breaks)) if jumps is None else np.asarray(jumps, float)
    inc = np.zeros(length)
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else length
        inc[s:e] = slopes[i] * phi ** np.arange(1, e - s + 1)
        if i > 0:
            inc[s] += jumps[i - 1]
    y = level + np.cumsum(inc)
    if noise > 0:
        e = lfilter([1.0], [1.0, -ar], rng.standard_normal(length)) * noise * np.sqrt(1.0 - ar * ar)
        y = y + e
    return np.exp(y) if multiplicative else y


def drift_walk(rng, length, drift=0.0, sigma=1.0, ar=0.0, noise=0.0):
    """A random walk with drift whose increments drift + u_t are AR(1) (u_t = ar u_{t-1} + sigma e_t,
    a smoother, momentum-carrying level for ar > 0), plus white measurement noise."""
    u = lfilter([1.0], [1.0, -ar], sigma * rng.standard_normal(length))
    x = np.cumsum(drift + u)
    return x + noise * rng.standard_normal(length) if noise > 0 else x


def event_positions(rng, length, n):
    """n distinct positions in 1..length-2 at least 2 apart, so that an outlier's two jumps and a
    shift's one never fall on the same step (fewer when the series is too short)."""
    slots = np.arange(1, length - 1, 2)
    return rng.choice(slots, min(n, len(slots)), replace=False) if len(slots) else np.zeros(0, int)


def shifts_outliers(rng, length, n_shifts=2, shift_size=3.0, n_outliers=2, outlier_size=5.0, noise=1.0, ar=0.5,
                    return_events=False):
    """AR(1) noise of standard deviation `noise` with exactly `n_shifts` level shifts (sizes
    +-shift_size x U(0.5, 1.5), in units of `noise`) and `n_outliers` one-step additive outliers
    (+-outlier_size x U(0.7, 1.3)) at distinct positions (event_positions). With `return_events` also
    {shift_at, shift, outlier_at, outlier} (positions and sizes in the series' units)."""
    pos = event_positions(rng, length, n_shifts + n_outliers)
    n_s = min(n_shifts, len(pos))
    shift_at, outlier_at = np.sort(pos[:n_s]), np.sort(pos[n_s:])
    shift = rng.choice([-1.0, 1.0], n_s) * shift_size * rng.uniform(0.5, 1.5, n_s) * noise
    outlier = rng.choice([-1.0, 1.0], len(outlier_at)) * outlier_size * rng.uniform(0.7, 1.3, len(outlier_at)) * noise
    jumps = np.zeros(length)
    jumps[shift_at] = shift
    x = np.cumsum(jumps) + lfilter([1.0], [1.0, -ar], rng.standard_normal(length)) * noise * np.sqrt(1.0 - ar * ar)
    x[outlier_at] += outlier
    if return_events:
        return x, {"shift_at": shift_at, "shift": shift, "outlier_at": outlier_at, "outlier": outlier}
    return x
