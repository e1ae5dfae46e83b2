"""Sampling-rate changes: a base series at period p resampled by r = p / target lands at the target."""
import numpy as np


def resample(x, r, length):
    """`length` points at base positions 0, r, 2r, ... (linear interpolation); r > 1 first averages
    over a window of ~r steps so aggregation (e.g. hourly -> daily) does not alias."""
    x = np.asarray(x, dtype=float)
    if r > 1.0:
        w = int(round(r))
        if w > 1:
            x = np.convolve(x, np.ones(w) / w, mode="valid")
    pos = np.arange(length) * r
    return np.interp(pos, np.arange(len(x)), x)


def base_length(length, r):
    """Base steps needed so `resample(x, r, length)` stays inside the series."""
    return int(np.ceil((length - 1) * r)) + int(round(r)) + 2
