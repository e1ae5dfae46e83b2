"""Stochastic processes: regime-switching Ornstein-Uhlenbeck, quasi-periodic cycles whose length and
amplitude vary (sunspot-like), and count series (Poisson, negative binomial, zero-inflated)."""
import numpy as np
from scipy.signal import lfilter


def regime_path(rng, length, durations):
    """A semi-Markov regime path: regime k lasts Geometric(1 / durations[k]) steps (mean durations[k]),
    then hands over to one of the others uniformly. -> int array [length]."""
    n = len(durations)
    states = np.empty(length, int)
    t, k = 0, int(rng.integers(n))
    while t < length:
        d = int(rng.geometric(1.0 / max(durations[k], 1.0)))
        states[t:t + d] = k
        t += d
        k = (k + int(rng.integers(1, n))) % n if n > 1 else k
    return states


def regime_ou(rng, length, means=(0.0, 3.0), thetas=(0.05, 0.3), sigmas=(0.3, 0.3), durations=(50.0, 50.0),
              return_regimes=False):
    """x_t = x_{t-1} + theta_k (mu_k - x_{t-1}) + sigma_k e_t in regime k (the Euler step of
    dx = theta (mu - x) dt + sigma dW), regimes from regime_path; starts at the first regime's mean.
    Each regime's segment is one linear filter (no per-step Python loop)."""
    states = regime_path(rng, length, durations)
    cut = np.flatnonzero(np.diff(states)) + 1
    x = np.empty(length)
    prev = float(means[states[0]])
    for s, e in zip(np.r_[0, cut], np.r_[cut, length]):
        k = states[s]
        a = 1.0 - thetas[k]
        # z_t = a z_{t-1} + sigma e_t with z = x - mu, from z_{s-1} = prev - mu
        z = lfilter([1.0], [1.0, -a], sigmas[k] * rng.standard_normal(e - s), zi=[a * (prev - means[k])])[0]
        x[s:e] = means[k] + z
        prev = x[e - 1]
    return (x, states) if return_regimes else x


def quasi_periodic(rng, length, period_range=(9.0, 14.0), amp_sd=0.3, skew=1.0, positive=False, noise=0.0,
                   ar=0.5, return_cycles=False):
    """Cycles of varying length and amplitude: cycle i lasts L_i ~ U(period_range) steps with
    amplitude A_i = exp(N(0, amp_sd)); within it, phase u in [0, 1) is warped to u^skew (skew < 1: a
    quick rise and a slow fall, as the sunspot cycle). The shape is sin(2 pi u^skew), or with
    `positive` sin^2(pi u^skew) (zero at every cycle's start, like sunspot numbers); both vanish at
    the cycle boundaries, so the series is continuous. AR(1) noise of standard deviation `noise`."""
    lo, hi = period_range
    lengths = rng.uniform(lo, hi, int(np.ceil(length / lo)) + 2)
    starts = np.r_[0.0, np.cumsum(lengths)] - rng.uniform(0.0, lengths[0])  # a random phase at t = 0
    amps = np.exp(amp_sd * rng.standard_normal(len(lengths)))
    t = np.arange(length, dtype=float)
    i = np.searchsorted(starts, t, side="right") - 1
    u = ((t - starts[i]) / lengths[i]) ** skew
    x = amps[i] * (np.sin(np.pi * u) ** 2 if positive else np.sin(2.0 * np.pi * u))
    if noise > 0:
        x = x + lfilter([1.0], [1.0, -ar], rng.standard_normal(length)) * noise * np.sqrt(1.0 - ar * ar)
    if return_cycles:
        return x, {"starts": starts, "lengths": lengths, "amps": amps}
    return x


def latent_rate(rng, length, mean, level_sd=0.0, phi=0.95):
    """mean x exp(AR(1) log-level of stationary standard deviation level_sd), renormalised so that the
    rate's expectation is `mean`: a slowly varying intensity (level_sd 0: constant)."""
    if level_sd <= 0:
        return np.full(length, float(mean))
    z = lfilter([1.0], [1.0, -phi], rng.standard_normal(length + 100))[100:] * level_sd * np.sqrt(1.0 - phi * phi)
    return mean * np.exp(z - 0.5 * level_sd ** 2)


def counts(rng, length, kind="poisson", mean=2.0, dispersion=2.0, p_zero=0.0, level_sd=0.0, phi=0.95):
    """Counts around a latent rate (latent_rate): `poisson` (variance = mean), `negbin` (negative
    binomial, variance mean + mean^2 / dispersion), and zero-inflated either way: a share p_zero of
    the steps are structural zeros (demand that did not occur)."""
    lam = latent_rate(rng, length, mean, level_sd, phi)
    if kind == "poisson":
        y = rng.poisson(lam)
    elif kind == "negbin":
        y = rng.poisson(rng.gamma(dispersion, lam / dispersion))  # the Gamma-Poisson mixture
    else:
        raise ValueError(f"unknown count kind {kind!r}")
    if p_zero > 0:
        y = np.where(rng.random(length) < p_zero, 0, y)
    return y.astype(float)
