"""The v2 generator families in the registry's form, name -> (fn(rng, length, **params),
draw_params(rng, length, period)): the parameter draws are sized to the series' length, so that a
20-point yearly series and a 2,000-point hourly one both come out with visible structure. A period
under 2 means no season (yearly data)."""
import numpy as np

from .classic import fourier
from .kernels import kernel_synth_v2
from .processes import counts, quasi_periodic, regime_ou
from .trends import damped_trend, drift_walk, segment_starts, shifts_outliers


def trend_breaks(rng, length, period=None, season_amp=0.0, n_breaks=0, log_range=5.0, **kw):
    """damped_trend with `n_breaks` breaks at random places and, for a period >= 2, a Fourier season
    of standard deviation season_amp added to the path (to its log when multiplicative). A
    multiplicative path whose log spans more than `log_range` is shrunk to it (as ets_process's), so
    that long series at a few % growth per step stay within float32."""
    starts = segment_starts(rng, length, n_breaks)
    jumps = kw.get("jumps")
    kw = {**kw, "slopes": list(kw["slopes"])[:len(starts)], "jumps": None if jumps is None else list(jumps)[:len(starts) - 1]}
    multiplicative = kw.pop("multiplicative", False)
    y = damped_trend(rng, length, breaks=starts[1:], **kw)
    if period and period >= 2 and season_amp > 0:
        s = fourier(rng, np.arange(length, dtype=float), period, [1.0, 0.5, 0.33])
        y = y + season_amp * (s - s.mean()) / max(float(s.std()), 1e-9)
    if not multiplicative:
        return y
    y = y - y.mean()
    width = np.ptp(y)
    return np.exp(y * (log_range / width) if width > log_range else y)


def _trend(rng, length, period):
    mult = bool(rng.random() < 0.3)
    n_breaks = int(rng.choice([0, 1, 2], p=[0.5, 0.35, 0.15]))
    if mult:  # growth rates of a few % per step, noise of a few %
        slopes, noise, season = rng.normal(0.02, 0.05, 3), rng.uniform(0.005, 0.08), rng.uniform(0.0, 0.15)
    else:
        slopes, noise, season = rng.normal(0.0, 1.0, 3), rng.uniform(0.05, 3.0), rng.uniform(0.0, 3.0)
    return {"period": period, "season_amp": float(season) if rng.random() < 0.5 else 0.0, "n_breaks": n_breaks,
            "slopes": slopes, "phi": 1.0 if rng.random() < 0.4 else float(rng.uniform(0.8, 0.99)),
            "jumps": rng.normal(0.0, 2.0 * noise, 2) * (rng.random(2) < 0.5), "multiplicative": mult,
            "noise": float(noise), "ar": float(rng.uniform(0.0, 0.7))}


def _walk(rng, length, period):
    return {"drift": float(rng.normal(0.0, 0.3)), "sigma": 1.0, "ar": float(rng.uniform(0.0, 0.9)) if rng.random() < 0.6 else 0.0,
            "noise": float(rng.uniform(0.0, 1.5)) if rng.random() < 0.5 else 0.0}


def _shifts(rng, length, period):
    n_s, n_o = int(rng.integers(0, 4)), int(rng.integers(0, 4))
    if n_s + n_o == 0:
        n_s = 1
    return {"n_shifts": n_s, "shift_size": float(rng.uniform(1.0, 6.0)), "n_outliers": n_o,
            "outlier_size": float(rng.uniform(3.0, 10.0)), "noise": 1.0, "ar": float(rng.uniform(0.0, 0.9))}


def _ou(rng, length, period):
    n = int(rng.integers(2, 4))
    return {"means": rng.normal(0.0, 2.0, n), "thetas": np.exp(rng.uniform(np.log(0.01), np.log(0.5), n)),
            "sigmas": rng.uniform(0.1, 1.0, n), "durations": rng.uniform(max(5.0, length / 8), max(6.0, length / 2), n)}


def _cycles(rng, length, period):
    centre = float(np.exp(rng.uniform(np.log(4.0), np.log(max(5.0, length / 2.5)))))
    w = rng.uniform(0.05, 0.35)
    return {"period_range": (centre * (1 - w), centre * (1 + w)), "amp_sd": float(rng.uniform(0.0, 0.5)),
            "skew": float(rng.uniform(0.5, 1.0)), "positive": bool(rng.random() < 0.5),
            "noise": float(rng.uniform(0.0, 0.3)), "ar": float(rng.uniform(0.0, 0.8))}


def _counts(rng, length, period):
    return {"kind": "poisson" if rng.random() < 0.5 else "negbin", "mean": float(np.exp(rng.uniform(np.log(0.05), np.log(30.0)))),
            "dispersion": float(rng.uniform(0.5, 5.0)), "p_zero": float(rng.uniform(0.2, 0.9)) if rng.random() < 0.4 else 0.0,
            "level_sd": float(rng.uniform(0.2, 1.0)) if rng.random() < 0.5 else 0.0}


def _kernel(rng, length, period):
    return {"period": period if period and period >= 2 else None, "max_kernels": 5}


V2_GENERATORS = {
    "kernel_synth_v2": (kernel_synth_v2, _kernel),
    "trend_breaks": (trend_breaks, _trend),
    "drift_walk": (drift_walk, _walk),
    "shifts_outliers": (shifts_outliers, _shifts),
    "regime_ou": (regime_ou, _ou),
    "quasi_periodic": (quasi_periodic, _cycles),
    "counts": (counts, _counts),
}
