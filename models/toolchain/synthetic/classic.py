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


def ets_process(rng, length, period=12, alpha=0.3, beta=0.05, gamma=0.1, phi=0.98, season_amp=0.5,
                harmonics=4, sigma=0.1, slope=0.0, log=False, log_range=4.0):
    """An innovations state-space (ETS) process, the model class of exponential smoothing:
        y_t = l_{t-1} + phi b_{t-1} + s_{t-m} + e_t,   e_t ~ N(0, sigma^2)
        l_t = l_{t-1} + phi b_{t-1} + alpha e_t
        b_t = phi b_{t-1} + beta e_t
        s_t = s_{t-m} + gamma e_t
    with m = round(period) (no season when m < 2 or season_amp = 0), l_0 = 0, b_0 = `slope`, and an
    initial seasonal profile of `harmonics` Fourier terms (amplitudes ~ 1/k) with mean 0 and
    standard deviation `season_amp`. Level, slope and season are stochastic, unlike
    trend_seasonality's deterministic ones: the business and tourism series exponential smoothing
    forecasts well. With `log` the series is exp(y) after y is centred and, when its range exceeds
    `log_range`, shrunk to it: multiplicative error, trend and season, positive, at most
    e^log_range between its smallest and largest value."""
    m = int(round(period))
    e = rng.normal(0.0, sigma, length)
    # b_t = phi b_{t-1} + beta e_t from b_0 = slope; y_t and l_t read b_{t-1}.
    b = lfilter([beta], [1.0, -phi], e, zi=[phi * slope])[0]
    b_prev = np.r_[slope, b[:-1]]
    level = np.cumsum(phi * b_prev + alpha * e)
    y = np.r_[0.0, level[:-1]] + phi * b_prev + e
    if m >= 2 and season_amp > 0:
        s0 = fourier(rng, np.arange(m, dtype=float), m, [1.0 / k for k in range(1, max(1, min(harmonics, m // 2)) + 1)])
        s0 = (s0 - s0.mean()) * season_amp / max(s0.std(), 1e-9)
        # s_t = s_{t-m} + gamma e_t: per phase, the initial value plus the cumulative innovations.
        n = int(np.ceil(length / m)) * m
        inc = np.zeros(n)
        if length > m:
            inc[m:length] = gamma * e[:length - m]
        y = y + (s0[None, :] + np.cumsum(inc.reshape(-1, m), axis=0)).reshape(-1)[:length]
    if not log:
        return y
    y = y - y.mean()
    width = np.ptp(y)
    return np.exp(y * (log_range / width) if width > log_range else y)
