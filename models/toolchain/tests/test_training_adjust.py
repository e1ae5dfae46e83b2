"""The training batches' seasonal adjustment (training.adjust) is the service's
(libs/forecasting/src/seasonal-adjustment.ts): the same test, profile and phase alignment."""
import dataclasses

import numpy as np
import torch

from toolchain.training.adjust import adjust_batch, log_profile, plan, seasonality_test
from toolchain.training.configs import config_for
from toolchain.training.data import batch_for_step, validation_set

PROFILE = np.array([0.7, 0.8, 1.0, 1.3, 1.5, 1.4, 1.2, 1.0, 0.9, 0.8, 0.8, 0.9])
NORMALISED = PROFILE / np.exp(np.log(PROFILE).mean())


def series(n, growth=1.002):
    t = np.arange(n)
    return 100 * growth ** t * PROFILE[t % 12]


def test_profile_and_factors_recover_an_exact_multiplicative_season():
    x = series(72)
    assert np.allclose(log_profile(x, 12), np.log(NORMALISED), atol=1e-9)
    f = plan(series(200), 12, 6)  # 200 % 12 = 8: the first forecast step is phase 8
    assert np.allclose(f, NORMALISED[(200 + np.arange(12)) % 12], atol=1e-9)


def test_plan_is_none_where_the_service_reads_the_series_as_it_is():
    x = series(200)
    assert plan(x, 1) is None and plan(x, 2.5) is None
    y = x.copy()
    y[50] = 0
    assert plan(y, 12) is None  # not positive
    assert plan(x[:30], 12) is None  # fewer than 3 seasons
    rng = np.random.default_rng(3)
    assert plan(10 + rng.random(200), 12) is None  # no season
    r, bound, passed = seasonality_test(10 + rng.random(200), 12)
    assert not passed and abs(r) < bound


def test_adjust_batch_divides_context_and_target_by_the_same_profile():
    C, H = 200, 30
    full = series(C + H)
    b = {"context": full[None, :C].astype(np.float32).repeat(2, 0), "target": full[None, C:].astype(np.float32).repeat(2, 0),
         "period": np.array([12.0, 1.0])}
    assert adjust_batch(b) == 1
    g = np.exp(np.log(PROFILE).mean())
    trend = 100 * 1.002 ** np.arange(C + H) * g
    assert np.allclose(b["context"][0], trend[:C], rtol=1e-5)
    assert np.allclose(b["target"][0], trend[C:], rtol=1e-5)
    assert np.allclose(b["context"][1], full[:C], rtol=1e-6)  # period 1: as it was


def test_config_switch_leaves_earlier_batches_and_the_validation_set_alone():
    dc8 = config_for("xlstm", "small8").data
    dc12 = dataclasses.replace(dc8, seasonal_adjust=6)  # the experiment small12 (HISTORY.md)
    assert dc8.seasonal_adjust == 0
    a, b = batch_for_step(12, 3, 64, dc8), batch_for_step(12, 3, 64, dc12)
    changed = ~torch.isclose(a["context"], b["context"], equal_nan=True).all(-1)
    assert 0 < int(changed.sum()) < 64  # some series adjusted, not all
    assert torch.equal(torch.nan_to_num(a["target"][~changed]), torch.nan_to_num(b["target"][~changed]))
    v8, v12 = validation_set(dc8), validation_set(dc12)
    assert all(torch.equal(torch.nan_to_num(x["context"]), torch.nan_to_num(y["context"])) for x, y in zip(v8, v12))
