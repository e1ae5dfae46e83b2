"""The v2 generator families show the statistical properties they promise (issue #32 item 1)."""
import numpy as np
import pytest
from scipy.optimize import curve_fit

from toolchain.synthetic.augment import mix_series, reverse
from toolchain.synthetic.families_v2 import V2_GENERATORS
from toolchain.synthetic.gp import kernel_matrix
from toolchain.synthetic.kernels import draw_components, draw_exact, kernel_synth_v2, periodic_coefficients, random_composition
from toolchain.synthetic.processes import counts, quasi_periodic, regime_ou
from toolchain.synthetic.registry import GENERATORS, generate
from toolchain.synthetic.trends import damped_trend, drift_walk, shifts_outliers


def acf(x, lags):
    x = np.asarray(x) - np.mean(x)
    return np.array([np.dot(x[k:], x[:-k]) / np.dot(x, x) for k in lags])


def slope(y):
    return np.polyfit(np.arange(len(y)), y, 1)[0]


def test_periodic_fourier_coefficients_sum_to_the_kernel():
    d = np.arange(0, 60, dtype=float)
    for ls in (0.5, 1.0, 2.0):
        c = periodic_coefficients(ls)
        k = np.exp(-2 * np.sin(np.pi * d / 12.0) ** 2 / ls ** 2)
        series = c[0] + np.cos(2 * np.pi * np.outer(d, np.arange(1, len(c))) / 12.0) @ c[1:]
        assert np.max(np.abs(series - k)) < 1e-6


@pytest.mark.parametrize("length,period", [(600, 24.0), (4000, 52.0)])  # exact (Cholesky) and component draws
def test_periodic_kernel_draw_autocorrelation_peaks_at_its_period(length, period):
    rng = np.random.default_rng(int(period))
    comp = [("+", "periodic", {"period": period, "ls": 1.0}), ("+", "white", {"var": 0.01})]
    lags = np.arange(int(period // 2), int(period * 1.5) + 1)
    for _ in range(5):
        x = kernel_synth_v2(rng, length, composition=comp)
        assert len(x) == length
        assert abs(lags[np.argmax(acf(x, lags))] - period) <= 1
        assert acf(x, [int(round(period))])[0] > 0.8


def test_linear_kernel_draws_trend():
    rng = np.random.default_rng(1)
    comp = [("+", "linear", {"c": 0.0, "var": 1.0}), ("+", "white", {"var": 0.001})]
    for n in (30, 2000):
        r = [abs(np.corrcoef(np.arange(n), kernel_synth_v2(rng, n, composition=comp))[0, 1]) for _ in range(20)]
        assert np.median(r) > 0.95  # a straight line plus a little noise
    # an RBF draw with a short length scale has no such trend
    rbf = [("+", "rbf", {"ls": 5.0})]
    r = [abs(np.corrcoef(np.arange(500), kernel_synth_v2(rng, 500, composition=rbf))[0, 1]) for _ in range(20)]
    assert np.median(r) < 0.5


def test_component_draws_have_the_composed_covariance():
    """The long-series method: an empirical covariance over many draws equals the composed kernel."""
    comp = [("+", "rbf", {"ls": 6.0}), ("*", "periodic", {"period": 7.0, "ls": 1.0}), ("+", "linear", {"c": 0.3, "var": 1.0}),
            ("+", "rq", {"ls": 10.0, "alpha": 0.5}), ("+", "white", {"var": 0.05})]
    n, draws = 30, 6000
    K = kernel_matrix(np.arange(n, dtype=float), comp)
    rng = np.random.default_rng(2)
    for draw in (draw_components, draw_exact):
        X = np.stack([draw(rng, n, comp) for _ in range(draws)])
        emp = X.T @ X / draws
        assert np.linalg.norm(emp - K) / np.linalg.norm(K) < 0.06, draw.__name__


def test_random_compositions_start_periodic_at_a_season_and_mix_operators():
    rng = np.random.default_rng(3)
    comps = [random_composition(rng, 200, 12.0) for _ in range(500)]
    first = np.mean([c[0][1] == "periodic" and c[0][2]["period"] == 12.0 for c in comps])
    assert 0.74 < first < 0.86
    ops = [op for c in comps for op, _, _ in c[1:]]
    assert 0.25 < np.mean(np.asarray(ops) == "*") < 0.42
    assert all(c[0][1] != "periodic" or c[0][2]["period"] <= 100 for c in (random_composition(rng, 200) for _ in range(200)))


def test_damped_trend_slopes_before_and_after_a_break():
    y = damped_trend(np.random.default_rng(4), 200, slopes=(0.5, -1.2), breaks=[120], jumps=[3.0], noise=0.2)
    assert abs(slope(y[:120]) - 0.5) < 0.02 and abs(slope(y[121:]) - (-1.2)) < 0.03
    assert abs((y[120] - y[119]) - (3.0 - 1.2)) < 1.0  # the level jump at the break


def test_damped_trend_damping_factor_is_recovered():
    for phi in (0.8, 0.95):
        y = damped_trend(np.random.default_rng(5), 100, slopes=(2.0,), phi=phi, noise=0.0)
        d = np.diff(np.r_[0.0, y])
        est = np.dot(d[1:40], d[:39]) / np.dot(d[:39], d[:39])
        assert abs(est - phi) < 1e-9 and abs(d[0] - 2.0 * phi) < 1e-9
        # with noise, a least-squares fit of the damped path y_t = l + b phi (1 - phi^(t+1)) / (1 - phi)
        z = damped_trend(np.random.default_rng(6), 60, slopes=(2.0,), phi=phi, noise=0.1)
        path = lambda t, lev, b, f: lev + b * f * (1 - f ** (t + 1)) / (1 - f)  # noqa: E731
        (_, b, f), _ = curve_fit(path, np.arange(60.0), z, p0=(0.0, 1.0, 0.9), bounds=([-10, 0, 0.5], [10, 10, 0.999]))
        assert abs(f - phi) < 0.01 and abs(b - 2.0) < 0.1


def test_multiplicative_trend_grows_at_its_rate():
    y = damped_trend(np.random.default_rng(7), 80, level=np.log(100), slopes=(0.03, -0.02), breaks=[50], multiplicative=True, noise=0.01)
    assert np.all(y > 0)
    assert abs(slope(np.log(y[:50])) - 0.03) < 0.002 and abs(slope(np.log(y[51:])) + 0.02) < 0.003
    assert y[49] - y[20] > 1.5 * (y[29] - y[0])  # growth in absolute terms accelerates with the level


def test_random_walk_with_drift_mean_increment():
    for drift, ar in ((0.3, 0.0), (-0.2, 0.7)):
        x = drift_walk(np.random.default_rng(8), 20000, drift=drift, sigma=1.0, ar=ar)
        d = np.diff(x)
        se = 1.0 / (1 - ar) / np.sqrt(len(d))  # long-run standard deviation of the mean of an AR(1)
        assert abs(d.mean() - drift) < 4 * se
        assert abs(acf(d, [1])[0] - ar) < 0.03


def test_shifts_and_outliers_number_and_size():
    rng = np.random.default_rng(9)
    for n_s, n_o in ((3, 0), (0, 4), (2, 3)):
        x, ev = shifts_outliers(rng, 300, n_shifts=n_s, shift_size=20.0, n_outliers=n_o, outlier_size=30.0, noise=0.1, ar=0.0,
                                return_events=True)
        assert len(ev["shift_at"]) == n_s and len(ev["outlier_at"]) == n_o
        assert np.all(np.abs(ev["shift"]) >= 1.0) and np.all(np.abs(ev["shift"]) <= 3.0)  # 20 x U(0.5, 1.5) x noise
        assert np.all(np.abs(ev["outlier"]) >= 2.1) and np.all(np.abs(ev["outlier"]) <= 3.9)  # 30 x U(0.7, 1.3) x noise
        big = np.flatnonzero(np.abs(np.diff(x)) > 0.7) + 1  # noise 0.1: a step beyond 0.7 (5 sd) is an event
        assert len(big) == n_s + 2 * n_o  # a shift moves one step, an outlier two (in and out)
        assert set(ev["shift_at"]) | set(ev["outlier_at"]) | set(ev["outlier_at"] + 1) == set(big)
        for at, size in zip(ev["shift_at"], ev["shift"]):
            assert abs((x[at] - x[at - 1]) - size) < 0.6


def test_regime_ou_mean_reversion_rate_and_durations_per_regime():
    means, thetas, sigmas, durations = (0.0, 5.0), (0.05, 0.4), (0.3, 0.5), (400.0, 100.0)
    x, s = regime_ou(np.random.default_rng(10), 100000, means, thetas, sigmas, durations, return_regimes=True)
    for k in (0, 1):
        t = np.flatnonzero((s[1:] == k) & (s[:-1] == k))  # steps inside regime k
        dx, gap = x[t + 1] - x[t], means[k] - x[t]
        theta = np.dot(gap, dx) / np.dot(gap, gap)
        assert abs(theta - thetas[k]) < 0.2 * thetas[k]
        assert abs(np.std(dx - theta * gap) - sigmas[k]) < 0.02
        cut = np.flatnonzero(np.diff(s)) + 1
        runs = np.diff(np.r_[0, cut, len(s)])[1:-1]  # whole runs only
        kinds = s[np.r_[0, cut][1:-1]]
        assert abs(runs[kinds == k].mean() / durations[k] - 1) < 0.15


def test_quasi_periodic_cycle_lengths_from_zero_crossings():
    lo, hi = 9.0, 14.0
    x, cyc = quasi_periodic(np.random.default_rng(11), 3000, period_range=(lo, hi), amp_sd=0.4, skew=0.7, return_cycles=True)
    up = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))  # one upward crossing per cycle, at its start
    gaps = np.diff(up)
    assert np.all(gaps >= np.floor(lo) - 1) and np.all(gaps <= np.ceil(hi) + 1)
    assert abs(gaps.mean() - (lo + hi) / 2) < 0.5 and gaps.std() > 1.0  # the length varies over the range
    amps = np.array([x[a:b].max() for a, b in zip(up[:-1], up[1:])])
    assert 0.25 < np.std(np.log(amps)) < 0.55  # amplitude varies per cycle (amp_sd 0.4)
    # skew < 1: the peak comes early in the cycle (quick rise, slow fall)
    peaks = np.array([np.argmax(x[a:b]) / (b - a) for a, b in zip(up[:-1], up[1:])])
    assert np.median(peaks) < 0.2
    pos = quasi_periodic(np.random.default_rng(12), 500, (20.0, 30.0), positive=True)
    assert pos.min() >= 0 and np.isclose(pos.min(), 0, atol=0.02)


@pytest.mark.parametrize("kind", ["poisson", "negbin"])
def test_counts_mean_variance_ratio_and_intermittency(kind):
    mean, disp = 3.0, 2.0
    y = counts(np.random.default_rng(13), 50000, kind=kind, mean=mean, dispersion=disp)
    assert np.all(y == np.round(y)) and y.min() >= 0 and abs(y.mean() - mean) < 0.05
    ratio = 1.0 if kind == "poisson" else 1 + mean / disp
    assert abs(y.var() / y.mean() - ratio) < 0.05 * ratio
    p0 = np.exp(-mean) if kind == "poisson" else (disp / (disp + mean)) ** disp
    z = counts(np.random.default_rng(14), 50000, kind=kind, mean=mean, dispersion=disp, p_zero=0.6)
    assert abs((z == 0).mean() - (0.6 + 0.4 * p0)) < 0.01
    rare = counts(np.random.default_rng(15), 50000, kind=kind, mean=0.1, dispersion=disp)
    assert 0.88 < (rare == 0).mean() < 0.93  # counts of rare events: mostly zeros


def test_counts_with_a_drifting_rate_are_overdispersed_but_keep_the_mean():
    y = counts(np.random.default_rng(16), 100000, kind="poisson", mean=5.0, level_sd=0.5)
    assert abs(y.mean() / 5.0 - 1) < 0.05 and y.var() / y.mean() > 2.0


def test_mixup_weights_sum_to_one_and_stay_in_the_envelope():
    rng = np.random.default_rng(17)
    xs = rng.standard_normal((3, 200)).cumsum(1)
    for _ in range(20):
        m, w = mix_series(rng, xs)
        assert abs(w.sum() - 1) < 1e-12 and np.all(w >= 0)
        assert np.all(m >= xs.min(0) - 1e-12) and np.all(m <= xs.max(0) + 1e-12)
        assert np.allclose(m, w @ xs)


def test_time_reversal_is_exact():
    x = np.random.default_rng(18).standard_normal(101)
    r = reverse(x)
    assert np.array_equal(r, x[::-1]) and np.array_equal(reverse(r), x)


@pytest.mark.parametrize("name", sorted(V2_GENERATORS))
@pytest.mark.parametrize("length,period", [(12, 1.0), (40, 4.0), (150, 12.0), (1500, 24.0)])
def test_v2_families_are_registered_finite_and_seeded(name, length, period):
    assert GENERATORS[name] is V2_GENERATORS[name]
    a = generate(np.random.default_rng(42), name, length, period)
    b = generate(np.random.default_rng(42), name, length, period)
    assert a.shape == (length,) and np.isfinite(a).all() and np.abs(a).max() < 1e30
    assert np.array_equal(a, b)
    # another seed, another series (a short series of rare counts may be all zeros for one or two)
    assert any(not np.array_equal(a, generate(np.random.default_rng(s), name, length, period)) for s in range(43, 53))
