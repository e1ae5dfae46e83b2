"""Classic processes: ForecastPFN-style trend x seasonality, ARMA, random walks, level shifts,
Markov regime switches."""
import numpy as np
from scipy.signal import lfilter


def fourier(rng, t, period, sds):
    """sum_k a_k sin(2 pi k t / period) + b_k cos(2 pi k t / period) for k = 1..len(sds), with
    (a_k, b_k) ~ N(0, sds[k-1]) drawn in that order."""
    s = np.zeros(len(t))
    for k, sd in enumerate(sds, start=1):
        a, b = rng.normal(0, sd, 2)
        s += a * np.sin(2 * np.pi * k * t / period) + b * np.cos(2 * np.pi * k * t / period)
    return s


def trend_seasonality(rng, length, periods=(24,), multiplicative=True, noise=0.05, harmonics=3,
                      slope=None, growth=None):
    """ForecastPFN: a linear x exponential trend times (or plus) one Fourier seasonality per period,
    with Weibull-like multiplicative noise (or additive Gaussian noise when additive)."""
    t = np.arange(length, dtype=float)
    slope = rng.normal(0, 1.0 / length) if slope is None else slope
    growth = rng.normal(0, 0.5 / length) if growth is None else growth
    trend = (1.0 + slope * t) * np.exp(growth * t)
    season = np.ones(length) if multiplicative else np.zeros(length)
    for p in periods:
        s = fourier(rng, t, p, [0.5 / k for k in range(1, harmonics + 1)])
        s *= 0.5 / max(np.abs(s).max(), 1e-9)  # keep 1 + s positive
        season = season * (1.0 + s) if multiplicative else season + s
    if multiplicative:
        return trend * season * (1.0 + noise * (rng.weibull(2.0, length) - 0.886))
    return trend + season + noise * rng.standard_normal(length)


def stationary_coefficients(rng, order, max_pacf=0.95):
    """AR coefficients of a stationary process: random partial autocorrelations -> Durbin-Levinson."""
    phi = np.zeros(0)
    for k in range(order):
        r = rng.uniform(-max_pacf, max_pacf)
        phi = np.concatenate([phi - r * phi[::-1], [r]])
    return phi


def arma(rng, length, ar=(0.5,), ma=(), sigma=1.0, burn=200):
    """x_t = sum phi_i x_{t-i} + e_t + sum theta_j e_{t-j}, e ~ N(0, sigma^2), after a burn-in."""
    e = rng.normal(0, sigma, length + burn)
    x = lfilter(np.r_[1.0, np.asarray(ma, float)], np.r_[1.0, -np.asarray(ar, float)], e)
    return x[burn:]


def random_walk(rng, length, drift=0.0, sigma=1.0):
    return np.cumsum(drift + sigma * rng.standard_normal(length))


def level_shifts(rng, length, n_shifts=3, shift_scale=3.0, noise=0.5):
    """Piecewise-constant levels with `n_shifts` jumps at random times, plus white noise."""
    cuts = np.sort(rng.choice(np.arange(1, length), size=min(n_shifts, length - 1), replace=False))
    jumps = np.zeros(length)
    jumps[cuts] = rng.normal(0, shift_scale, len(cuts))
    return np.cumsum(jumps) + noise * rng.standard_normal(length)


def regime_switch(rng, length, n_regimes=2, stay=0.98):
    """A Markov chain over regimes, each an AR(1) with its own mean, volatility and phi."""
    means = rng.normal(0, 3, n_regimes)
    sds = rng.uniform(0.2, 2.0, n_regimes)
    phis = rng.uniform(-0.5, 0.95, n_regimes)
    state, x, prev = 0, np.empty(length), 0.0
    for t in range(length):
        if rng.random() > stay:
            state = int(rng.integers(n_regimes))
        prev = means[state] + phis[state] * (prev - means[state]) + sds[state] * rng.standard_normal()
        x[t] = prev
    return x
