"""Each synthetic generator shows the statistical property it promises; same seed => same output."""
import numpy as np
import pytest

from toolchain.synthetic.augment import censor, cpm_mask, missing_blocks, mixup, scale_offset
from toolchain.synthetic.classic import arma, ets_process, level_shifts, random_walk, regime_switch, stationary_coefficients, trend_seasonality
from toolchain.synthetic.gp import kernel_synth
from toolchain.synthetic.patterns import intermittent, sawtooth, seasonal_template, spikes, step_function
from toolchain.synthetic.registry import GENERATORS, MIX_V2, MIX_V3, generate
from toolchain.synthetic.resample import resample


def dominant_period(x):
    x = np.asarray(x) - np.mean(x)
    power = np.abs(np.fft.rfft(x)) ** 2
    k = int(np.argmax(power[1:]) + 1)
    return len(x) / k


@pytest.mark.parametrize("period", [12, 24, 52])
def test_periodic_kernel_period_is_the_dominant_spectrum_peak(period):
    rng = np.random.default_rng(period)
    n = period * 12
    for ls, need in ((2.0, 4), (0.7, 0)):
        comp = [("+", "periodic", {"period": period, "ls": ls}), ("+", "white", {"var": 0.001})]
        xs = [kernel_synth(rng, n, composition=comp) for _ in range(5)]
        assert sum(abs(dominant_period(x) - period) < 0.5 for x in xs) >= need
        for x in xs:  # all but the noise sits on harmonics of 1/period
            power = np.abs(np.fft.rfft(x - x.mean())) ** 2
            assert power[12::12].sum() / power[1:].sum() > 0.8


def test_kernel_synth_interpolated_long_series_keeps_its_period():
    rng = np.random.default_rng(1)
    comp = [("+", "periodic", {"period": 168, "ls": 1.0})]
    x = kernel_synth(rng, 168 * 10, composition=comp, max_points=512)
    assert len(x) == 1680 and abs(dominant_period(x) - 168) < 1


def test_random_compositions_are_finite_and_vary():
    rng = np.random.default_rng(2)
    xs = [kernel_synth(rng, 300, period=24) for _ in range(10)]
    assert all(np.isfinite(x).all() and len(x) == 300 for x in xs)
    assert len({round(float(np.std(x)), 6) for x in xs}) == 10


@pytest.mark.parametrize("multiplicative", [True, False])
def test_trend_seasonality_period(multiplicative):
    rng = np.random.default_rng(3)
    x = trend_seasonality(rng, 24 * 30, periods=(24,), multiplicative=multiplicative, noise=0.05, slope=0, growth=0)
    assert abs(dominant_period(x) - 24) < 0.5
    if multiplicative:  # the seasonal swing scales with the level: larger where the trend is higher
        y = trend_seasonality(rng, 24 * 40, periods=(24,), multiplicative=True, noise=0.0, slope=3.0 / 960, growth=0)
        assert np.ptp(y[-24:]) > 2.5 * np.ptp(y[:24])


@pytest.mark.parametrize("phi", [-0.5, 0.3, 0.8])
def test_ar1_lag1_autocorrelation_matches_phi(phi):
    x = arma(np.random.default_rng(4), 20000, ar=(phi,))
    x = x - x.mean()
    assert abs(np.dot(x[1:], x[:-1]) / np.dot(x, x) - phi) < 0.03


def test_ma1_autocorrelation_and_stationary_coefficients():
    x = arma(np.random.default_rng(5), 20000, ar=(), ma=(0.6,))
    x = x - x.mean()
    r1 = np.dot(x[1:], x[:-1]) / np.dot(x, x)
    r2 = np.dot(x[2:], x[:-2]) / np.dot(x, x)
    assert abs(r1 - 0.6 / 1.36) < 0.03 and abs(r2) < 0.03
    rng = np.random.default_rng(6)
    for _ in range(50):
        phi = stationary_coefficients(rng, 3)
        assert np.all(np.abs(np.roots(np.r_[1.0, -phi])) < 1.0)


def test_random_walk_increments_and_level_shifts():
    rng = np.random.default_rng(7)
    x = random_walk(rng, 10000, drift=0.1, sigma=2.0)
    d = np.diff(x)
    assert abs(d.mean() - 0.1) < 0.06 and abs(d.std() - 2.0) < 0.05
    y = level_shifts(rng, 1000, n_shifts=3, shift_scale=10, noise=0.01)
    assert (np.abs(np.diff(y)) > 1.0).sum() == 3 or (np.abs(np.diff(y)) > 0.2).sum() >= 2


def test_regime_switch_visits_several_regimes():
    x = regime_switch(np.random.default_rng(8), 4000, n_regimes=2, stay=0.99)
    win = np.array([x[i:i + 100].mean() for i in range(0, 4000, 100)])
    assert np.ptp(win) > 1.0 and np.isfinite(x).all()


def test_spikes_are_rare_large_outliers():
    x = spikes(np.random.default_rng(9), 5000, rate=0.01, magnitude=8.0, base_phi=0.5)
    z = np.abs(x - np.median(x)) / np.std(x)
    assert 20 <= (z > 4).sum() <= 90


@pytest.mark.parametrize("p_zero", [0.3, 0.8])
def test_intermittent_zero_share_and_counts(p_zero):
    mean, disp = 5.0, 2.0
    x = intermittent(np.random.default_rng(10), 20000, p_zero=p_zero, mean=mean, dispersion=disp)
    expected = p_zero + (1 - p_zero) * (disp / (disp + mean)) ** disp  # NB also yields zeros
    assert abs((x == 0).mean() - expected) < 0.02
    assert np.all(x == np.round(x)) and x.min() >= 0


def test_sawtooth_and_step_function_shapes():
    rng = np.random.default_rng(11)
    s = sawtooth(rng, 24 * 20, period=24, noise=0.0)
    assert abs(dominant_period(s) - 24) < 0.5 and (np.diff(s) < -0.5).sum() in (19, 20)
    q = step_function(rng, 24 * 20, period=24, duty=0.25, noise=0.0)
    assert set(np.unique(q)) == {0.0, 1.0} and abs(q.mean() - 0.25) < 0.02


@pytest.mark.parametrize("period", [24, 48, 288])
def test_seasonal_template_repeats_a_sharp_shape_every_period(period):
    rng = np.random.default_rng(period)
    n = period * 10
    x = seasonal_template(rng, n, period=period, harmonics=12, decay=0.7, noise=0.05, ar=0.3)
    assert abs(dominant_period(x) - period) < 0.5
    power = np.abs(np.fft.rfft(x - x.mean())) ** 2
    on = power[10::10][:12].sum() / power[1:].sum()  # the 12 harmonics of 1/period hold the energy
    above = power[10 * 4::10][:9].sum() / power[10::10][:12].sum()  # sharp: harmonics 4-12 carry weight
    assert on > 0.9 and above > 0.05
    assert np.corrcoef(x[:-period], x[period:])[0, 1] > 0.9  # one period back predicts the next
    # A slower cycle modulates it: the series is no longer the same every period, but every 7.
    y = seasonal_template(np.random.default_rng(1), 24 * 70, period=24, harmonics=4, second=7.0, second_amp=0.6, noise=0.0, ar=0.0)
    lag1, lag7 = np.abs(y[24:] - y[:-24]).mean(), np.abs(y[168:] - y[:-168]).mean()
    assert lag7 < 1e-9 < 0.05 * lag1


def test_missing_blocks_are_contiguous_nan_runs():
    x = missing_blocks(np.random.default_rng(12), np.arange(500.0), n_blocks=1, max_frac=0.1)
    idx = np.flatnonzero(np.isnan(x))
    assert 1 <= len(idx) <= 50 and np.all(np.diff(idx) == 1)


def test_cpm_masks_contiguous_32_aligned_runs():
    rng = np.random.default_rng(13)
    masked_rows = 0
    for _ in range(200):
        x = cpm_mask(rng, np.ones(640), patch=32, c_max=5, p_max=0.25)
        nan = np.isnan(x).reshape(-1, 32)  # grid anchored at the end; 640 = 20 patches
        assert np.all(nan.all(1) | ~nan.any(1))  # whole patches only
        masked_rows += nan.any()
    assert 40 < masked_rows < 200
    shares = [np.isnan(cpm_mask(rng, np.ones(6400), 32)).mean() for _ in range(400)]
    assert abs(np.mean(shares) - 0.125) < 0.02  # E[p] = p_max / 2


def test_scale_offset_mixup_censor():
    rng = np.random.default_rng(14)
    x = np.sin(np.arange(200) / 5.0)
    y = scale_offset(rng, x)
    assert abs(abs(np.corrcoef(x, y)[0, 1]) - 1) < 1e-9
    m = mixup(rng, x, rng.standard_normal(200))
    assert 0.55 < np.corrcoef(x, m)[0, 1] < 1.0
    c = censor(np.random.default_rng(0), x, q_range=(0.8, 0.8))
    assert (c == c.max()).sum() >= 30 or (c == c.min()).sum() >= 30


@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.7])
def test_ets_simple_level_differences_are_the_ma1_of_exponential_smoothing(alpha):
    # ETS(A,N,N): y_t = l_{t-1} + e_t, l_t = l_{t-1} + alpha e_t, so dy_t = e_t - (1 - alpha) e_{t-1},
    # an MA(1) whose lag-1 autocorrelation is -(1 - alpha) / (1 + (1 - alpha)^2).
    y = ets_process(np.random.default_rng(11), 40000, period=1, alpha=alpha, beta=0.0, gamma=0.0, phi=1.0, season_amp=0.0, sigma=1.0)
    d = np.diff(y)
    d = d - d.mean()
    r1 = float(np.dot(d[1:], d[:-1]) / np.dot(d, d))
    assert abs(r1 - (-(1 - alpha) / (1 + (1 - alpha) ** 2))) < 0.02
    # and the innovations' variance: var(dy) = sigma^2 (1 + (1 - alpha)^2)
    assert abs(d.var() / (1 + (1 - alpha) ** 2) - 1.0) < 0.03


def test_ets_damped_slope_converges_to_its_limit():
    # b_t = phi^(t+1) b_0 without innovations: the level climbs to b_0 phi / (1 - phi) and stays.
    y = ets_process(np.random.default_rng(12), 400, period=1, alpha=0.0, beta=0.0, gamma=0.0, phi=0.9, season_amp=0.0,
                    sigma=0.0, slope=2.0)
    assert abs(y[-1] - 2.0 * 0.9 / 0.1) < 1e-6
    assert np.all(np.diff(y[:100]) > 0) and np.all(np.diff(y) >= 0) and y[1] - y[0] > 100 * (y[60] - y[59])


@pytest.mark.parametrize("period", [4, 12, 52])
def test_ets_season_repeats_with_period_m_and_drifts_with_gamma(period):
    kw = dict(period=period, alpha=0.1, beta=0.0, phi=1.0, season_amp=2.0, harmonics=3, sigma=0.1)
    x = ets_process(np.random.default_rng(13), period * 60, gamma=0.0, **kw)
    d = x[period:] - x[:-period]  # a fixed season cancels at lag m: only the level's moves stay
    detrended = x - np.convolve(x, np.ones(period) / period, mode="same")
    assert np.std(d) < 0.3 * np.std(detrended)
    season = detrended[period:-period]
    season = season - season.mean()
    r = [float(np.dot(season[k:], season[:-k]) / np.dot(season, season)) for k in range(1, period + 1)]
    assert r[period - 1] > 0.85 and r[period - 1] == max(r)  # the autocorrelation peaks at lag m
    # gamma > 0: the seasonal profile wanders (s_t = s_{t-m} + gamma e_t): the mean profile of the
    # last 10 cycles differs from that of the first 10 by far more than without it
    z = ets_process(np.random.default_rng(13), period * 60, gamma=0.5, **kw)
    assert profile_change(z, period) > 3 * profile_change(x, period)


def profile_change(x, m):
    cycles = x[: len(x) // m * m].reshape(-1, m)
    cycles = cycles - cycles.mean(axis=1, keepdims=True)
    return float(np.sqrt(np.mean((cycles[-10:].mean(axis=0) - cycles[:10].mean(axis=0)) ** 2)))


def test_ets_log_is_positive_multiplicative_and_bounded():
    rng = np.random.default_rng(14)
    x = ets_process(rng, 2000, period=12, alpha=0.5, beta=0.05, gamma=0.1, phi=1.0, season_amp=1.0, sigma=0.5, slope=0.01,
                    log=True, log_range=4.0)
    assert np.all(x > 0) and np.log(x.max() / x.min()) <= 4.0 + 1e-9
    # multiplicative season: in logs the seasonal swing is the same at any level
    y = ets_process(rng, 12 * 100, period=12, alpha=0.0, beta=0.0, gamma=0.0, phi=1.0, season_amp=0.3, sigma=0.0,
                    slope=0.002, log=True)
    assert np.ptp(y[-12:]) > 2.5 * np.ptp(y[:12])
    assert abs(np.ptp(np.diff(np.log(y[-13:]))) - np.ptp(np.diff(np.log(y[:13])))) < 1e-6


def test_mix_v3_is_mix_v2_scaled_plus_ets():
    assert abs(sum(MIX_V3.values()) - 1.0) < 1e-9 and MIX_V3["ets"] == 0.15
    assert all(abs(MIX_V3[k] - 0.85 * v) < 1e-4 for k, v in MIX_V2.items())


def test_resample_sets_the_period():
    x = np.sin(2 * np.pi * np.arange(2000) / 24)
    assert abs(dominant_period(resample(x, 2.0, 480)) - 12) < 0.3
    assert abs(dominant_period(resample(x, 0.5, 960)) - 48) < 0.5


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_same_output(name):
    a = generate(np.random.default_rng(42), name, 300, 24.0)
    b = generate(np.random.default_rng(42), name, 300, 24.0)
    c = generate(np.random.default_rng(43), name, 300, 24.0)
    assert a.shape == (300,) and np.isfinite(a).all()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
