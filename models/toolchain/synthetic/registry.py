"""Generator registry: name -> (fn(rng, length, **params), draw_params(rng, length, period))."""
import numpy as np

from .classic import arma, ets_process, random_walk, regime_switch, level_shifts, stationary_coefficients, trend_seasonality
from .families_v2 import V2_GENERATORS
from .gp import kernel_synth
from .patterns import intermittent, sawtooth, seasonal_template, spikes, step_function

# Secondary seasonalities relative to the main period (daily -> weekly, weekly -> yearly, ...).
_SECOND = (7.0, 52.0 / 7.0, 4.0, 12.0)


def _kernel(rng, length, period):
    return {"period": period if rng.random() < 0.8 else None, "max_kernels": 5}


def _trend_season(rng, length, period):
    periods = [period]
    if rng.random() < 0.5:
        periods.append(period * float(rng.choice(_SECOND)))
    return {"periods": periods, "multiplicative": bool(rng.random() < 0.5), "noise": rng.uniform(0.0, 0.2)}


def _arma(rng, length, period):
    p, q = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    return {"ar": stationary_coefficients(rng, p), "ma": rng.uniform(-0.8, 0.8, q), "sigma": 1.0}


def _walk(rng, length, period):
    return {"drift": rng.normal(0, 0.05), "sigma": 1.0}


def _shifts(rng, length, period):
    return {"n_shifts": int(rng.integers(1, 6)), "shift_scale": rng.uniform(1, 5), "noise": rng.uniform(0.1, 1)}


def _regimes(rng, length, period):
    return {"n_regimes": int(rng.integers(2, 4)), "stay": rng.uniform(0.95, 0.995)}


def _spikes(rng, length, period):
    return {"rate": rng.uniform(0.005, 0.05), "magnitude": rng.uniform(3, 10), "base_phi": rng.uniform(0, 0.95)}


def _intermittent(rng, length, period):
    return {"p_zero": rng.uniform(0.3, 0.95), "mean": rng.uniform(1, 20), "dispersion": rng.uniform(0.5, 5)}


def _periodic_shape(rng, length, period):
    return {"period": period, "noise": rng.uniform(0, 0.2)}


def _step(rng, length, period):
    return {"period": period, "duty": rng.uniform(0.2, 0.8), "noise": rng.uniform(0, 0.2)}


def _template(rng, length, period):
    return {"period": period, "harmonics": int(rng.integers(2, max(3, min(16, int(period // 2)) + 1))),
            "decay": rng.uniform(0.5, 2.0), "second": float(rng.choice(_SECOND)) if rng.random() < 0.5 else None,
            "second_amp": rng.uniform(0.1, 0.6), "slope": rng.normal(0, 1.0 / length),
            "level_sd": rng.uniform(0, 0.05), "amp_sd": rng.uniform(0, 0.01), "ar": rng.uniform(0, 0.9),
            "noise": rng.uniform(0.02, 0.5)}


def _ets(rng, length, period):
    alpha = rng.uniform(0.02, 0.7)
    return {"period": period, "alpha": alpha,
            "beta": alpha * rng.uniform(0.0, 0.15) if rng.random() < 0.6 else 0.0,
            "gamma": (1.0 - alpha) * rng.uniform(0.0, 0.4) if rng.random() < 0.7 else 0.0,
            "phi": 1.0 if rng.random() < 0.3 else rng.uniform(0.8, 0.98),
            "season_amp": rng.uniform(0.2, 2.0) if rng.random() < 0.85 else 0.0,
            "harmonics": int(rng.integers(1, 7)), "sigma": rng.uniform(0.05, 0.5),
            "slope": rng.normal(0.0, 3.0 / length), "log": bool(rng.random() < 0.5)}


GENERATORS = {
    "kernel_synth": (kernel_synth, _kernel),
    "trend_seasonality": (trend_seasonality, _trend_season),
    "arma": (arma, _arma),
    "random_walk": (random_walk, _walk),
    "level_shifts": (level_shifts, _shifts),
    "regime_switch": (regime_switch, _regimes),
    "spikes": (spikes, _spikes),
    "intermittent": (intermittent, _intermittent),
    "sawtooth": (sawtooth, _periodic_shape),
    "step_function": (step_function, _step),
    "seasonal_template": (seasonal_template, _template),
    "ets": (ets_process, _ets),
}

DEFAULT_MIX = {"kernel_synth": 0.3, "trend_seasonality": 0.25, "arma": 0.08, "random_walk": 0.07,
               "level_shifts": 0.05, "regime_switch": 0.05, "spikes": 0.05, "intermittent": 0.07,
               "sawtooth": 0.04, "step_function": 0.04}


# The `small2` curriculum: a third of the series are sharp repeated seasonal shapes, as in the
# hourly, half-hourly and 5-minute data the first curriculum forecast worse than seasonal naive.
MIX_V2 = {"kernel_synth": 0.2, "trend_seasonality": 0.17, "seasonal_template": 0.3, "arma": 0.06, "random_walk": 0.06,
          "level_shifts": 0.04, "regime_switch": 0.04, "spikes": 0.04, "intermittent": 0.05,
          "sawtooth": 0.02, "step_function": 0.02}


# The ssm `small7` and xlstm `small6` curriculum: MIX_V2 with 15 % exponential-smoothing state-space series (stochastic
# level, slope and season, additive or multiplicative), the other generators scaled down to 85 %.
MIX_V3 = {**{k: round(v * 0.85, 4) for k, v in MIX_V2.items()}, "ets": 0.15}


def generate(rng, name, length, period):
    fn, draw = GENERATORS[name]
    return np.asarray(fn(rng, length, **draw(rng, length, period)), dtype=float)


# The v2 families (families_v2.py), drawn by the v2 prior (sampler_v2.py). Added after the others, so
# the mixtures above and the batches drawn from them are unchanged.
GENERATORS.update(V2_GENERATORS)
