"""The mixture sampler: shapes, reproducibility, per-batch periods, CPM on the context."""
import numpy as np

from toolchain.synthetic import DEFAULT_MIX, sample_batch
from toolchain.synthetic.sampler import TARGET_PERIODS, draw_rate


def test_shapes_dtypes_and_same_seed_same_batch():
    a = sample_batch(np.random.default_rng(0), 16, 256, 48)
    b = sample_batch(np.random.default_rng(0), 16, 256, 48)
    c = sample_batch(np.random.default_rng(1), 16, 256, 48)
    assert a["context"].shape == (16, 256) and a["target"].shape == (16, 48) and a["period"].shape == (16,)
    assert a["context"].dtype == np.float32
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(np.nan_to_num(a["context"]), np.nan_to_num(c["context"]))
    assert all(np.isfinite(row).sum() >= 8 for row in a["context"])


def test_fixed_period_shows_in_the_spectrum_after_resampling():
    """Pure seasonal generators resampled from other base periods land on the batch period."""
    for name, period in (("sawtooth", 12.0), ("sawtooth", 48.0), ("step_function", 7.0), ("step_function", 168.0)):
        mix = {name: 1.0}
        b = sample_batch(np.random.default_rng(2), 24, int(period * 16), int(period), mix=mix, period=period, aug={})
        assert np.all(b["period"] == period)
        x = np.concatenate([b["context"], b["target"]], 1)
        x = x - x.mean(1, keepdims=True)
        k = np.argmax(np.abs(np.fft.rfft(x, axis=1))[:, 1:], axis=1) + 1
        assert np.mean(np.abs(x.shape[1] / k - period) < 0.5) > 0.9


def test_free_periods_replace_a_share_of_the_list_and_show_in_the_spectrum():
    rng = np.random.default_rng(5)
    b = sample_batch(rng, 400, 64, 8, periods=TARGET_PERIODS, free_periods=(0.5, 2.0, 400.0), aug={})
    p = b["period"]
    free = ~np.isin(p, TARGET_PERIODS)
    assert 0.40 < free.mean() < 0.60  # 0.5 minus the few free draws that land on a listed period
    assert p.min() >= 2.0 and p.max() <= 400.0
    whole = np.isclose(p[free], np.round(p[free]))
    assert 0.35 < whole.mean() < 0.65  # half rounded (a fractional draw is almost never whole)
    # Log-uniform: as many below sqrt(2 * 400) ~ 28 as above.
    assert 0.4 < np.mean(p[free] < np.sqrt(800)) < 0.6
    # The series carry their drawn period: a pure seasonal shape shows it in the spectrum.
    n = 2048
    b = sample_batch(np.random.default_rng(6), 64, n - 64, 64, mix={"sawtooth": 1.0}, free_periods=(1.0, 5.0, 60.0), aug={})
    x = np.concatenate([b["context"], b["target"]], 1)
    x = x - x.mean(1, keepdims=True)
    k = np.argmax(np.abs(np.fft.rfft(x, axis=1))[:, 1:], axis=1) + 1
    assert np.mean(np.abs(n / k - b["period"]) / b["period"] < 0.05) > 0.9
    assert not np.isin(b["period"], TARGET_PERIODS).all()


def test_free_periods_off_or_with_a_batch_period_draw_the_batches_of_before():
    ref = sample_batch(np.random.default_rng(7), 16, 128, 16)
    for free in (None, (0.0, 2.0, 400.0)):
        b = sample_batch(np.random.default_rng(7), 16, 128, 16, free_periods=free)
        for k in ref:
            np.testing.assert_array_equal(ref[k], b[k])
    ref = sample_batch(np.random.default_rng(8), 16, 128, 16, period=24.0)
    b = sample_batch(np.random.default_rng(8), 16, 128, 16, period=24.0, free_periods=(0.5, 2.0, 400.0))
    for k in ref:
        np.testing.assert_array_equal(ref[k], b[k])


def test_draw_rate_keeps_the_ratio_bounded():
    rng = np.random.default_rng(3)
    for target in (4.0, 24.0, 96.0, 168.0):
        for _ in range(20):
            base, r = draw_rate(rng, target)
            assert abs(base / r - target) < 1e-9 and 1 / 8 <= r <= 8


def test_cpm_masks_the_context_only_in_patch_runs():
    b = sample_batch(np.random.default_rng(4), 64, 320, 40, cpm=True, aug={})
    assert not np.isnan(b["target"]).any()
    nan = np.isnan(b["context"]).reshape(64, 10, 32)
    assert np.all(nan.all(2) | ~nan.any(2)) and nan.any()
    # The unmasked context comes along (the xlstm per-token loss's targets): equal wherever CPM kept it.
    full = b["context_full"]
    assert not np.isnan(full).any()
    keep = ~np.isnan(b["context"])
    assert np.array_equal(full[keep], b["context"][keep])
    assert "context_full" not in sample_batch(np.random.default_rng(4), 4, 64, 8, aug={})


def test_mixture_weights_and_missing_blocks_and_intermittent_zeros():
    b = sample_batch(np.random.default_rng(5), 32, 200, 20, mix={"intermittent": 1.0}, aug={"missing": 1.0})
    assert np.isnan(b["context"]).any(axis=1).mean() > 0.8
    assert np.mean(b["context"] == 0) > 0.05 or np.mean(np.isclose(b["context"], np.nanmin(b["context"], 1, keepdims=True))) > 0.05
    assert abs(sum(DEFAULT_MIX.values()) - 1) < 1e-9


def test_consistent_fallback_keeps_the_augmentations_of_a_context_cpm_emptied():
    """Contexts of one patch, which CPM can mask whole, scaled and offset every time. The original
    fallback puts back the raw series' context next to the augmented target; the consistent one puts
    back the augmented context (context_full). Same draws otherwise: only the fallen-back rows differ."""
    fell = 0
    for seed in range(6):
        old = sample_batch(np.random.default_rng(seed), 64, 32, 16, cpm=True, aug={"scale_offset": 1.0})
        new = sample_batch(np.random.default_rng(seed), 64, 32, 16, cpm=True, aug={"scale_offset": 1.0},
                           consistent_fallback=True)
        assert np.array_equal(old["target"], new["target"], equal_nan=True)
        assert np.array_equal(old["context_full"], new["context_full"], equal_nan=True)
        rows = ~np.all((old["context"] == new["context"]) | (np.isnan(old["context"]) & np.isnan(new["context"])), 1)
        fell += int(rows.sum())
        # the consistent rows are the augmented context; the original ones are not (they lack the scaling)
        assert np.array_equal(new["context"][rows], new["context_full"][rows])
        assert not np.isclose(old["context"][rows], new["context_full"][rows]).all(1).any()
        # every other row: observed values equal the augmented context wherever CPM kept them
        keep = ~np.isnan(new["context"])
        assert np.array_equal(new["context"][keep], new["context_full"][keep])
    assert fell > 0


def test_consistent_fallback_uses_the_raw_series_for_context_and_target_when_nothing_is_left(monkeypatch):
    """When the augmented context itself has < 8 observed points (here missing blocks blank it whole),
    context and target both come from the generator's raw series, never a raw context with an
    augmented target."""
    import toolchain.synthetic.sampler as sampler

    def blank_context(rng, x, n):
        x = np.array(x, dtype=float)
        x[:-16] = np.nan
        return x
    monkeypatch.setattr(sampler, "missing_blocks", blank_context)
    aug = {"scale_offset": 1.0, "missing": 1.0}
    old = sampler.sample_batch(np.random.default_rng(7), 16, 64, 16, aug=aug)
    new = sampler.sample_batch(np.random.default_rng(7), 16, 64, 16, aug=aug, consistent_fallback=True)
    assert np.array_equal(old["context"], new["context"])  # both the raw series' context
    assert np.isfinite(new["context"]).all()
    assert not np.isclose(old["target"], new["target"]).all(1).any()  # old: augmented; new: raw
    # the raw target continues the raw context: its first step is close to the context's scale
    assert np.all(np.abs(new["target"][:, 0] - new["context"][:, -1]) <= 10 * (np.std(new["context"], 1) + 1e-6))
