"""Spiky, intermittent and piecewise patterns."""
import numpy as np

from .classic import arma, fourier


def spikes(rng, length, rate=0.02, magnitude=6.0, base_phi=0.7):
    """An AR(1) base with outliers of +-magnitude standard deviations at rate `rate`."""
    x = arma(rng, length, ar=(base_phi,), sigma=1.0)
    hit = rng.random(length) < rate
    x[hit] += rng.choice([-1.0, 1.0], hit.sum()) * magnitude * rng.uniform(0.7, 1.5, hit.sum()) * x.std()
    return x


def intermittent(rng, length, p_zero=0.7, mean=3.0, dispersion=2.0):
    """Zero-inflated negative-binomial counts: a share p_zero of steps are structural zeros."""
    p = dispersion / (dispersion + mean)
    counts = rng.negative_binomial(dispersion, p, length).astype(float)
    return np.where(rng.random(length) < p_zero, 0.0, counts)


def sawtooth(rng, length, period=24, amplitude=1.0, noise=0.05):
    phase = rng.uniform(0, period)
    t = np.arange(length) + phase
    return amplitude * ((t % period) / period) + noise * rng.standard_normal(length)


def step_function(rng, length, period=24, duty=0.5, amplitude=1.0, noise=0.05):
    """A periodic square wave (on for `duty` of each period) with noise."""
    phase = rng.uniform(0, period)
    t = np.arange(length) + phase
    return amplitude * ((t % period) < duty * period) + noise * rng.standard_normal(length)


def seasonal_template(rng, length, period=24, harmonics=8, decay=1.0, second=None, second_amp=0.3,
                      slope=0.0, level_sd=0.0, amp_sd=0.0, ar=0.5, noise=0.1):
    """A sharp, non-sinusoidal seasonal shape repeated every `period` steps (load, traffic and
    temperature curves): `harmonics` Fourier terms with amplitudes ~ k^-decay, optionally modulated
    by a slower cycle of `second` periods, on a linear trend plus a random-walk level, with a
    slowly drifting amplitude and AR(1) noise. The shape has unit standard deviation."""
    t = np.arange(length, dtype=float)
    shape = fourier(rng, t, period, [k ** -decay for k in range(1, max(1, int(harmonics)) + 1)])
    shape /= max(shape.std(), 1e-9)
    if second:
        mod = fourier(rng, t, period * second, [1.0, 1.0 / 2, 1.0 / 3])
        shape = shape * (1.0 + second_amp * mod / max(np.abs(mod).max(), 1e-9))
    amp = np.exp(np.cumsum(rng.normal(0, amp_sd, length))) if amp_sd > 0 else 1.0
    level = slope * t + (np.cumsum(rng.normal(0, level_sd, length)) if level_sd > 0 else 0.0)
    return level + amp * shape + arma(rng, length, ar=(ar,), sigma=noise * np.sqrt(1 - ar * ar))
