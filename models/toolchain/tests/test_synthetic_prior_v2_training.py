"""The v2 prior in the training loop: the v2 recipes resolve to the shipped models' shapes on PRIOR_V2,
batches stay keyed by (seed, step), and a short tiny-v2 run of either family lowers the validation loss."""
import math

import numpy as np
import pytest

from toolchain.synthetic.sampler_v2 import resolve_prior
from toolchain.training.configs import config_for
from toolchain.training.data import batch_for_step, validation_set
from toolchain.training.families import same_weights_shape
from toolchain.training.train import train


@pytest.mark.parametrize("family,shipped", [("xlstm", "small14"), ("ssm", "small9")])
def test_v2_recipes_are_the_shipped_shapes_on_the_v2_prior(family, shipped):
    import dataclasses
    v2, ft, old = config_for(family, "v2"), config_for(family, "v2ft"), config_for(family, shipped)
    assert v2.data.prior == resolve_prior("PRIOR_V2") and ft.data.prior == v2.data.prior and old.data.prior is None
    # --init-from the shipped run's checkpoint needs the same weight shapes
    assert same_weights_shape(dataclasses.asdict(v2.model), dataclasses.asdict(old.model))
    assert (v2.lr, ft.lr) == (1e-3, 2e-4) and v2.dense == old.dense
    assert v2.data.cpm == old.data.cpm


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_v2_batches_are_keyed_by_step_and_drawn_from_the_prior(family):
    dc = config_for(family, "v2").data
    shapes = set()
    for step in range(12):
        a, b = batch_for_step(7, step, 4, dc), batch_for_step(7, step, 4, dc)
        assert all(np.array_equal(a[k].numpy(), b[k].numpy(), equal_nan=True) for k in a)
        C, H = a["context"].shape[1], a["target"].shape[1]
        assert 10 <= C <= 1024 and 4 <= H <= 192 and ("context_full" in a) == (family == "xlstm")
        shapes.add((C, H))
    assert len(shapes) == 12
    periods = {float(batch_for_step(8, s, 2, dc)["period"][0]) for s in range(60)}
    assert 1.0 in periods and {4.0, 12.0, 24.0} <= periods  # series without season too (yearly)
    val = validation_set(dc)
    assert len(val) == dc.val_batches and val[0]["context"].shape == (dc.val_batch, dc.val_context)


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_tiny_v2_run_decreases_validation_loss(family, tmp_path):
    log = train(family, str(tmp_path), steps=30, batch=16, seed=1, config="tiny-v2", workers=1)
    vals = [r["val_loss"] for r in log if "val_loss" in r]
    losses = [r["loss"] for r in log if "loss" in r]
    assert len(vals) == 4 and all(math.isfinite(v) for v in vals + losses) and len(losses) == 30
    assert vals[-1] < 0.95 * vals[0]
    assert min(r["context"] for r in log if "loss" in r) < 40  # the prior's short contexts reach the model


def test_export_records_the_priors_families_and_periods():
    import dataclasses
    import json

    from toolchain.training.export import generator_config, trained_seasons
    data = json.loads(json.dumps(dataclasses.asdict(config_for("xlstm", "v2").data)))  # as config.json holds it
    g = generator_config(data)
    assert g["mixture"] == resolve_prior("PRIOR_V2")["families"] and g["maxResampleRate"] == 1.0
    assert g["targetPeriods"][0] == 1.0 and 288.0 in g["targetPeriods"]
    assert trained_seasons(data) == [2, 3, 4, 5, 6, 7, 10, 12, 24, 30, 48, 52, 96, 168, 288]
    old = json.loads(json.dumps(dataclasses.asdict(config_for("xlstm", "small14").data)))
    assert trained_seasons(old) == [4, 7, 12, 24, 48, 52, 96, 168, 288] and generator_config(old)["mixture"] == old["mix"]
