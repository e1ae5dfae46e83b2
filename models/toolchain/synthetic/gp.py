"""KernelSynth-style Gaussian-process samples from random sum/product compositions of kernels.
The GP is drawn by Cholesky on at most `max_points` grid points, then linearly interpolated."""
import numpy as np

PERIODS = (4, 7, 12, 24, 30, 52, 168, 365)


def _periodic(d, t, p):
    return np.exp(-2.0 * np.sin(np.pi * d / p["period"]) ** 2 / p["ls"] ** 2)


def _rbf(d, t, p):
    return np.exp(-0.5 * (d / p["ls"]) ** 2)


def _rq(d, t, p):
    return (1.0 + d ** 2 / (2 * p["alpha"] * p["ls"] ** 2)) ** -p["alpha"]


def _linear(d, t, p):
    u = t / max(t[-1], 1.0) - p["c"]
    return p["var"] * np.outer(u, u)


def _white(d, t, p):
    return p["var"] * np.eye(len(t))


KERNELS = {"periodic": _periodic, "rbf": _rbf, "rq": _rq, "linear": _linear, "white": _white}


def random_kernel(rng, name, length, period=None):
    """Hyper-parameters for one kernel, scaled to the series length (in steps)."""
    if name == "periodic":
        return {"period": period or float(rng.choice(PERIODS)), "ls": rng.uniform(0.5, 1.5)}
    if name in ("rbf", "rq"):
        return {"ls": length * rng.uniform(0.02, 0.5), "alpha": rng.uniform(0.1, 2.0)}
    if name == "linear":
        return {"c": rng.uniform(-0.5, 1.5), "var": rng.uniform(0.1, 2.0)}
    return {"var": rng.uniform(0.001, 0.1)}


def random_composition(rng, length, period=None, max_kernels=5):
    """[(op, name, params)]: the first kernel is periodic at `period` when one is given."""
    names = list(KERNELS)
    n = int(rng.integers(1, max_kernels + 1))
    comp = []
    for i in range(n):
        name = "periodic" if (i == 0 and period) else str(rng.choice(names))
        op = "+" if i == 0 else str(rng.choice(["+", "*"]))
        comp.append((op, name, random_kernel(rng, name, length, period if i == 0 else None)))
    return comp


def kernel_matrix(t, composition):
    d = np.abs(t[:, None] - t[None, :])
    K = None
    for op, name, p in composition:
        k = KERNELS[name](d, t, p)
        K = k if K is None else (K + k if op == "+" else K * k)
    return K


def kernel_synth(rng, length, period=None, composition=None, max_kernels=5, max_points=512):
    """One GP sample of `length` steps; `period` seeds the first (periodic) kernel."""
    comp = composition or random_composition(rng, length, period, max_kernels)
    n = min(length, max_points)
    t = np.linspace(0.0, length - 1.0, n)
    K = kernel_matrix(t, comp)
    jitter = 1e-6 * max(float(np.mean(np.diag(K))), 1e-6)
    for _ in range(6):
        try:
            L = np.linalg.cholesky(K + jitter * np.eye(n))
            break
        except np.linalg.LinAlgError:
            jitter *= 10.0
    else:  # still not positive definite: fall back to the symmetric eigen-decomposition
        w, V = np.linalg.eigh(K)
        L = V * np.sqrt(np.clip(w, 0.0, None))
    y = L @ rng.standard_normal(n)
    return y if n == length else np.interp(np.arange(length), t, y)
