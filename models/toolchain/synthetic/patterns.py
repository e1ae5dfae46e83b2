"""Spiky, intermittent and piecewise patterns."""
import numpy as np

from .classic import arma


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
