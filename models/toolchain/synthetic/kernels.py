"""KernelSynth v2: Gaussian-process draws from random + / x compositions of a kernel bank (RBF,
periodic, linear, rational quadratic, white), on the integer grid of the series itself.

Up to `exact_points` steps the draw is exact (Cholesky of the composed kernel matrix). Longer series
use a component draw that costs O(n x features) instead of O(n^3): every kernel is drawn on its own
(periodic: its exact Fourier series; RBF and RQ: random Fourier features from their spectral
densities; linear and white: exactly) and the draws are combined by the same left fold of + and x as
the kernels. Independent zero-mean draws have cov(f + g) = K_f + K_g and cov(f g) = K_f o K_g, so the
result has exactly the composed covariance (tested), though products are not Gaussian. Interpolating
a coarse grid instead (gp.py) would smooth away periods shorter than a few grid cells."""
import numpy as np
from scipy.special import ive

from .gp import kernel_matrix

# Seasonal periods of real calendars (quarters, months, weeks, days, hours, 5/15/30 minutes) and their
# common sub-harmonics: a periodic kernel not tied to the series' own period draws from these.
REALISTIC_PERIODS = (2.0, 3.0, 4.0, 6.0, 7.0, 12.0, 13.0, 24.0, 30.4375, 48.0, 52.1786, 96.0, 168.0, 288.0, 365.25)
NAMES = ("rbf", "periodic", "linear", "rq", "white")
NAME_WEIGHTS = (0.25, 0.25, 0.2, 0.15, 0.15)


def periodic_coefficients(ls, tol=1e-8, max_terms=4096):
    """Variances c_k of the Fourier terms of exp(-2 sin^2(pi d / p) / ls^2), so that the kernel equals
    c_0 + sum_k c_k cos(2 pi k d / p): with z = ls^-2 it is e^-z e^{z cos}, and e^{z cos x} =
    I_0(z) + 2 sum_k I_k(z) cos(k x) (modified Bessel functions)."""
    z = 1.0 / ls ** 2
    k = np.arange(max_terms)
    c = ive(k, z)  # I_k(z) e^-z
    c[1:] *= 2.0
    keep = int(np.searchsorted(-c[1:], -tol * c.sum())) + 1  # c_k falls off monotonically in k
    return c[:max(keep, 2)]


def draw_periodic(rng, t, period, ls):
    c = periodic_coefficients(ls)
    c = c[: max(2, int(np.ceil(period / 2.0)) + 1)]  # harmonics above Nyquist alias onto lower ones
    k = np.arange(1, len(c))
    phase = 2.0 * np.pi * np.outer(t, k) / period
    a, b = rng.standard_normal(len(k)), rng.standard_normal(len(k))
    return np.sqrt(c[0]) * rng.standard_normal() + (np.cos(phase) * a + np.sin(phase) * b) @ np.sqrt(c[1:])


def draw_features(rng, t, omega):
    """sqrt(1/M) sum_m a_m cos(w_m t) + b_m sin(w_m t): covariance E cos(w d), the kernel whose
    spectral density w is drawn from."""
    m = len(omega)
    wt = np.outer(t, omega)
    return (np.cos(wt) @ rng.standard_normal(m) + np.sin(wt) @ rng.standard_normal(m)) / np.sqrt(m)


def draw_component(rng, t, name, p, features=256):
    if name == "periodic":
        return draw_periodic(rng, t, p["period"], p["ls"])
    if name == "rbf":
        return draw_features(rng, t, rng.standard_normal(features) / p["ls"])
    if name == "rq":  # a scale mixture of RBFs: precision tau ~ Gamma(alpha, rate alpha ls^2)
        tau = rng.gamma(p["alpha"], 1.0 / (p["alpha"] * p["ls"] ** 2), features)
        return draw_features(rng, t, np.sqrt(tau) * rng.standard_normal(features))
    if name == "linear":
        u = t / max(t[-1], 1.0) - p["c"]
        return np.sqrt(p["var"]) * rng.standard_normal() * u
    if name == "white":
        return np.sqrt(p["var"]) * rng.standard_normal(len(t))
    raise ValueError(f"unknown kernel {name!r}")


def draw_exact(rng, length, composition):
    t = np.arange(length, dtype=float)
    K = kernel_matrix(t, composition)
    jitter = 1e-6 * max(float(np.mean(np.diag(K))), 1e-6)
    for _ in range(6):
        try:
            return np.linalg.cholesky(K + jitter * np.eye(length)) @ rng.standard_normal(length)
        except np.linalg.LinAlgError:
            jitter *= 10.0
    w, V = np.linalg.eigh(K)  # still not positive definite: the symmetric square root
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ rng.standard_normal(length)


def draw_components(rng, length, composition, features=256):
    t = np.arange(length, dtype=float)
    y = None
    for op, name, p in composition:
        f = draw_component(rng, t, name, p, features)
        y = f if y is None else (y + f if op == "+" else y * f)
    return y


def random_kernel(rng, name, length, period=None):
    """Hyper-parameters scaled to the series: length scales as shares of its length, a periodic kernel
    at `period` or at a realistic period that fits at least twice."""
    if name == "periodic":
        if period is None:
            fits = [p for p in REALISTIC_PERIODS if p <= max(length / 2.0, 2.0)]
            period = float(rng.choice(fits))
        return {"period": float(period), "ls": float(rng.uniform(0.5, 2.0))}
    if name in ("rbf", "rq"):
        return {"ls": float(max(1.0, length * rng.uniform(0.03, 0.6))), "alpha": float(rng.uniform(0.2, 2.0))}
    if name == "linear":
        return {"c": float(rng.uniform(-0.5, 1.5)), "var": float(rng.uniform(0.2, 3.0))}
    return {"var": float(rng.uniform(0.002, 0.1))}


def random_composition(rng, length, period=None, max_kernels=5):
    """[(op, name, params)]: 1..max_kernels kernels of the bank joined by + or x (x a third of the
    time); a series with a season (period >= 2) starts with a periodic kernel at it 80 % of the time."""
    n = int(rng.integers(1, max_kernels + 1))
    w = np.asarray(NAME_WEIGHTS) / sum(NAME_WEIGHTS)
    seasonal = period is not None and period >= 2 and rng.random() < 0.8
    comp = []
    for i in range(n):
        name = "periodic" if (i == 0 and seasonal) else str(rng.choice(NAMES, p=w))
        op = "+" if i == 0 or rng.random() < 2.0 / 3.0 else "*"
        comp.append((op, name, random_kernel(rng, name, length, period if (i == 0 and seasonal) else None)))
    return comp


def kernel_synth_v2(rng, length, period=None, max_kernels=5, composition=None, exact_points=1024, features=256):
    """One draw of `length` steps: exact up to `exact_points` steps, by components beyond."""
    comp = composition or random_composition(rng, length, period, max_kernels)
    if length <= exact_points:
        return draw_exact(rng, length, comp)
    return draw_components(rng, length, comp, features)
