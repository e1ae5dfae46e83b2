"""Training: the loss, the chunked scan, deterministic batches, a short run that learns, and exact resume."""
import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from toolchain.ssm.ops import s5_scan
from toolchain.synthetic.registry import MIX_V3
from toolchain.training.configs import config_for
from toolchain.training.data import batch_for_step, draw_shape, validation_set
from toolchain.training.loss import pinball
from toolchain.training.scan import chunked_scan
from toolchain.training.train import lr_lambda, main, train


def test_pinball_values_and_nan_mask():
    pred = torch.zeros(1, 2, 9)
    target = torch.tensor([[1.0, float("nan")]])
    # y - q = 1 for every level: loss = mean(q) = 0.5; the NaN step is ignored
    assert float(pinball(pred, target)) == pytest.approx(0.5)
    pred = torch.full((1, 1, 9), 2.0)
    assert float(pinball(pred, torch.tensor([[1.0]]))) == pytest.approx(0.5)  # mean(1 - q) = 0.5
    levels = torch.tensor([0.1 * i for i in range(1, 10)])
    pred = levels.view(1, 1, 9).clone()
    assert float(pinball(pred, torch.tensor([[0.5]]))) == pytest.approx(float(torch.where(0.5 >= levels, levels * (0.5 - levels), (levels - 1) * (0.5 - levels)).mean()), rel=1e-5)


@pytest.mark.parametrize("B,L,P,chunk", [(3, 77, 8, 16), (2, 5, 4, 32), (1, 64, 3, 32), (2, 96, 5, 16)])
def test_chunked_scan_equals_sequential_scan(B, L, P, chunk):
    """Values and gradients (inputs and the learned Λ̄) of the chunked scan equal the sequential
    recurrence: one chunk, a partial last chunk, several chunks."""
    torch.manual_seed(0)
    br, bi = torch.randn(B, L, P, dtype=torch.float64), torch.randn(B, L, P, dtype=torch.float64)
    mag, ang = torch.rand(P, dtype=torch.float64) * 0.3 + 0.69, torch.rand(P, dtype=torch.float64) * 3
    w = torch.randn(B, L, P, dtype=torch.float64)
    grads = []
    for scan in (s5_scan, lambda *a: chunked_scan(*a, chunk=chunk)):
        leaves = [t.clone().requires_grad_() for t in (br, bi, mag, ang)]
        xr, xi = scan(leaves[0], leaves[1], leaves[2] * torch.cos(leaves[3]), leaves[2] * torch.sin(leaves[3]))
        ((xr * w).sum() + (xi ** 2).sum()).backward()
        grads.append([xr.detach(), xi.detach()] + [t.grad for t in leaves])
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-9, rtol=1e-9)


def test_lr_schedule_warmup_then_cosine():
    f = lr_lambda(10, 110)
    assert f(0) == pytest.approx(0.1) and f(9) == pytest.approx(1.0)
    assert f(60) == pytest.approx(0.05 + 0.95 * 0.5) and f(110) == pytest.approx(0.05)


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_batches_are_keyed_by_step_and_vary_in_shape(family):
    dc = config_for(family, "tiny").data
    a, b = batch_for_step(3, 5, 4, dc), batch_for_step(3, 5, 4, dc)
    for k in a:
        assert torch.equal(torch.nan_to_num(a[k]), torch.nan_to_num(b[k]))
    shapes = {(batch_for_step(3, s, 2, dc)["context"].shape[1], batch_for_step(3, s, 2, dc)["target"].shape[1]) for s in range(8)}
    assert len(shapes) > 3
    assert all(c % 32 == 0 for c, _ in shapes)
    if family == "ssm":
        assert len(set(a["period"].tolist())) == 1
    v1, v2 = validation_set(dc), validation_set(dc)
    assert len(v1) == dc.val_batches and torch.equal(torch.nan_to_num(v1[0]["context"]), torch.nan_to_num(v2[0]["context"]))


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_short_run_decreases_validation_loss(family, tmp_path):
    log = train(family, str(tmp_path), steps=30, batch=16, seed=1, config="tiny", workers=1)
    vals = [r["val_loss"] for r in log if "val_loss" in r]
    assert len(vals) == 4 and all(math.isfinite(v) for v in vals)
    assert vals[-1] < 0.93 * vals[0]
    assert [r["step"] for r in log if "loss" in r] == list(range(1, 31))
    assert all(r["steps_per_s"] > 0 for r in log if "loss" in r)


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_resume_reproduces_the_uninterrupted_run(family, tmp_path):
    full = train(family, str(tmp_path / "a"), steps=14, batch=8, seed=2, config="tiny", workers=0)
    args = ["--family", family, "--out", str(tmp_path / "b"), "--steps", "14", "--batch", "8", "--seed", "2",
            "--config", "tiny", "--workers", "1"]
    main(args + ["--stop-after", "7"])
    main(args + ["--resume"])
    with open(tmp_path / "b" / "log.jsonl") as f:
        resumed = [json.loads(line) for line in f]
    assert [r["step"] for r in resumed] == [r["step"] for r in full] == list(range(15))
    assert [r.get("loss") for r in resumed] == [r.get("loss") for r in full]  # bit-identical
    assert [r.get("val_loss") for r in resumed] == [r.get("val_loss") for r in full]
    a = torch.load(tmp_path / "a" / "ckpt.pt")["model"]
    b = torch.load(tmp_path / "b" / "ckpt.pt")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not np.isnan([r["loss"] for r in full[1:]]).any()


def test_small2_curriculum_draws_its_mix_periods_and_lengths():
    from toolchain.synthetic.registry import MIX_V2
    from toolchain.synthetic.sampler import TARGET_PERIODS_V2
    dc = config_for("xlstm", "small2").data
    assert dc.mix == MIX_V2 and dc.periods == TARGET_PERIODS_V2 and dc.context == (32, 1024)
    shapes = {tuple(batch_for_step(0, s, 2, dc)["context"].shape) for s in range(30)}
    assert min(c for _, c in shapes) < 256 < max(c for _, c in shapes) <= 1024
    # With a period per batch (ssm) every listed period is drawn; the ssm gpu recipe is on that curriculum.
    dc = config_for("ssm", "gpu").data
    assert dc.mix == MIX_V2 and dc.shared_period and dc.free_period_prob == 0
    periods = {float(batch_for_step(0, s, 1, dc)["period"][0]) for s in range(200)}
    assert periods == set(TARGET_PERIODS_V2)
    assert abs(sum(MIX_V2.values()) - 1) < 1e-9


def test_short_batches_draw_short_contexts_and_horizons_and_leave_other_configs_unchanged():
    dc = config_for("xlstm", "small7").data
    assert dc.short_prob == 0.5 and dc.short_context == (32, 256) and dc.short_horizon == (4, 64)
    shapes = [draw_shape(np.random.default_rng([7, s]), dc) for s in range(600)]
    assert all(32 <= C <= 1024 and C % 32 == 0 and 4 <= H <= 320 for C, H in shapes)
    # Short branch: every draw is C <= 256, H <= 64; the full range gives that 8/32 x 57/313 = 4.6 %
    # of the time: 52 % in all (binomial sd 2 %).
    share = np.mean([C <= 256 and H <= 64 for C, H in shapes])
    assert 0.45 < share < 0.60
    assert min(H for _, H in shapes) == 4 and max(H for _, H in shapes) > 250
    # short_prob 0 (every earlier config) draws nothing extra: the shapes of the runs trained before it.
    dc6 = config_for("xlstm", "small6").data
    assert dc6.short_prob == 0
    for s in range(20):
        a, b = np.random.default_rng(s), np.random.default_rng(s)
        assert draw_shape(a, dc6) == (int(b.integers(1, 33)) * 32, int(b.integers(8, 321)))


def test_free_period_config_draws_off_list_periods_and_keeps_the_validation_set():
    dc8 = config_for("xlstm", "small8").data
    dc11 = dataclasses.replace(dc8, free_period_prob=0.5)  # the experiment small11 (HISTORY.md)
    assert dc8.free_period_prob == 0.0
    periods = np.concatenate([batch_for_step(11, s, 16, dc11)["period"].numpy() for s in range(20)])
    assert 0.35 < np.mean(~np.isin(periods, dc11.periods)) < 0.65
    # The validation set stays the fixed-list one, so validation losses of all stages compare.
    for a, b in zip(validation_set(dc11), validation_set(dc8)):
        for k in a:
            assert torch.equal(torch.nan_to_num(a[k]), torch.nan_to_num(b[k]))


def test_free_period_config_with_a_batch_period_draws_off_list_batch_periods():
    dc = config_for("ssm", "small9").data
    assert dc.shared_period and dc.free_period_prob == 0.3
    periods = [batch_for_step(8, s, 4, dc)["period"].numpy() for s in range(300)]
    assert all(len(set(p)) == 1 for p in periods)  # still one per batch (one scale factor)
    off = np.mean([p[0] not in dc.periods for p in periods])
    assert 0.2 < off < 0.4 and min(p[0] for p in periods) >= 2.0 and max(p[0] for p in periods) <= 400.0
    # Without free periods the draw is the one of the runs trained before them (ssm small7, HISTORY.md).
    dc7 = dataclasses.replace(dc, free_period_prob=0.0)
    for s in range(5):
        rng = np.random.default_rng([7, s])
        C, H = draw_shape(rng, dc7)
        assert float(batch_for_step(7, s, 4, dc7)["period"][0]) == float(rng.choice(dc7.periods))


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_init_from_starts_at_the_other_runs_weights(family, tmp_path):
    train(family, str(tmp_path / "a"), steps=6, batch=4, seed=2, config="tiny", workers=0)
    main(["--family", family, "--out", str(tmp_path / "b"), "--steps", "4", "--batch", "4", "--seed", "3",
          "--config", "tiny", "--workers", "0", "--init-from", str(tmp_path / "a" / "ckpt.pt"), "--stop-after", "2"])
    with open(tmp_path / "b" / "log.jsonl") as f:
        log = [json.loads(line) for line in f]
    with open(tmp_path / "a" / "log.jsonl") as f:
        first = [json.loads(line) for line in f]
    # Step 0 of the new run validates the old run's final weights (same tiny validation set).
    assert log[0]["val_loss"] == pytest.approx(first[-1]["val_loss"], rel=1e-6)
    b = torch.load(tmp_path / "b" / "ckpt.pt")
    assert b["meta"]["initFrom"] == {"run": "a", "config": "tiny", "step": 6, "seed": 2, "batch": 4, "priorSteps": 6}
    # Resuming checks the same origin; another shape is refused.
    main(["--family", family, "--out", str(tmp_path / "b"), "--steps", "4", "--batch", "4", "--seed", "3",
          "--config", "tiny", "--workers", "0", "--init-from", str(tmp_path / "a" / "ckpt.pt"), "--resume"])
    assert torch.load(tmp_path / "b" / "ckpt.pt")["step"] == 4
    with pytest.raises(ValueError, match="another family or model shape"):
        train(family, str(tmp_path / "c"), steps=2, batch=4, seed=1, config={"xlstm": "small", "ssm": "small9"}[family], workers=0,
              init_from=str(tmp_path / "a" / "ckpt.pt"))


def test_xlstm_dense_loss_supervises_every_context_token():
    from toolchain.training.families import build_model, xlstm_loss
    from toolchain.training.loss import normalise
    from toolchain.xlstm.preprocess import tokenize
    tc = config_for("xlstm", "tiny")
    model = build_model("xlstm", tc.model, 0).eval()
    g = torch.Generator().manual_seed(0)
    full = torch.randn(3, 150, generator=g).cumsum(1)  # 150 = 4 whole patches + 22: left-padded to 5
    ctx = full.clone()
    ctx[:, 40:72] = float("nan")  # a CPM-like masked patch
    target = torch.randn(3, 40, generator=g)
    with torch.no_grad():
        horizon = xlstm_loss(model, ctx, target)
        assert float(xlstm_loss(model, ctx, target, full, 0.0)) == float(horizon)
        tokens, n_ctx, loc, scale = tokenize(ctx, 32, 1)
        emb = model.forward_tokens(tokens)
        pad = torch.cat([torch.full((3, 10), float("nan")), full], 1)
        per_token = pinball(model.head(emb[:, :n_ctx - 1]), normalise(pad[:, 32:], loc, scale))
        assert n_ctx == 5 and float(per_token) > 0
        for w in (0.5, 1.0):
            want = (1 - w) * horizon + w * per_token
            assert float(xlstm_loss(model, ctx, target, full, w)) == pytest.approx(float(want), rel=1e-6)
    # Validation (batch_loss without dense) stays the horizon loss. The xlstm's shipped recipes train
    # without it (the experiment small3 did, HISTORY.md).
    assert config_for("xlstm", "small14").dense == 0.0


def test_several_data_workers_deliver_the_same_batches_in_step_order():
    from toolchain.training.data import batches
    dc = config_for("ssm", "tiny").data
    inline = list(batches(5, 3, 12, 4, dc, workers=0))
    parallel = list(batches(5, 3, 12, 4, dc, workers=3))
    assert [s for s, _ in parallel] == [s for s, _ in inline] == list(range(3, 12))
    same = lambda x, y: torch.equal(torch.isnan(x), torch.isnan(y)) and torch.equal(torch.nan_to_num(x), torch.nan_to_num(y))  # noqa: E731
    for (_, a), (_, b) in zip(inline, parallel):
        assert a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    assert not same(inline[0][1]["context"], inline[1][1]["context"])


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_max_minutes_stops_with_a_checkpoint_and_resume_finishes_the_run(family, tmp_path):
    # A time box already spent: the run stops after its first step, logged with its validation loss.
    log = train(family, str(tmp_path), steps=6, batch=4, seed=3, config="tiny", workers=0, max_minutes=0)
    assert log[-1]["step"] == 1 and log[-1]["stopped"] == "max-minutes 0" and math.isfinite(log[-1]["val_loss"])
    assert torch.load(tmp_path / "ckpt.pt")["step"] == 1
    full = train(family, str(tmp_path), steps=6, batch=4, seed=3, config="tiny", workers=0, resume=True)
    assert [r["step"] for r in full if "loss" in r] == list(range(1, 7))
    assert torch.load(tmp_path / "ckpt.pt")["step"] == 6


def test_gpu_configs_are_the_larger_models_at_full_context():
    from toolchain.training.families import build_model
    sizes = {}
    for family in ("xlstm", "ssm"):
        tc = config_for(family, "gpu")
        assert tc.model.context_length == 2048 and tc.data.context[1] == 2048 and tc.data.horizon == (8, 320)
        assert tc.dense == (0.3 if family == "ssm" else 0.0)
        sizes[family] = sum(p.numel() for p in build_model(family, tc.model, 0).parameters())
    assert sizes == {"xlstm": 13_119_168, "ssm": 4_662_720}
    # The xlstm's data: what its shipped CPU stages added (ETS series, short and sub-patch batches).
    d = config_for("xlstm", "gpu").data
    assert (d.mix, d.short_prob, d.short_context, d.tiny_prob, d.tiny_context) == (MIX_V3, 0.5, (32, 256), 0.15, (5, 31))


def test_gpu_train_script_runs_its_probe_and_a_time_boxed_run(tmp_path):
    # The prepared GPU script, on the CPU with the tiny config: probe, step budget, run, output folder.
    import os
    import subprocess
    import sys
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    env = dict(os.environ, OUT=str(tmp_path), TSFM_TRAIN_DEVICE="cpu", TSFM_TRAIN_WORKERS="1", TSFM_TRAIN_BATCH="4",
               TSFM_TRAIN_PROBE="4", PYTHON=sys.executable)
    r = subprocess.run(["bash", os.path.join(repo, "scripts", "gpu-train.sh"), "ssm", "0.4", "tiny", "1"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    run = tmp_path / "runs" / "ssm-tiny"
    meta = json.loads((run / "config.json").read_text())
    assert (meta["config"], meta["seed"], meta["batch"]) == ("tiny", 1, 4) and meta["steps"] >= 1
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert log[0]["step"] == 0 and log[-1]["step"] >= 1 and "val_loss" in log[-1]
    assert torch.load(run / "ckpt.pt", map_location="cpu")["step"] == log[-1]["step"]
    assert "the run gets" in (run / "gpu-train.log").read_text()


def test_ssm_parallel_loss_forecasts_from_context_positions_as_the_model_would_from_a_cut_context():
    # The positions' forecasts are the model's own forecasts from the context cut after them (the
    # encoder and RevIN are causal), so the parallel loss supervises exactly what inference computes.
    from toolchain.training.families import build_model, context_loss, ssm_loss
    from toolchain.xlstm.model import nan_scale
    torch.manual_seed(0)
    model = build_model("ssm", config_for("ssm", "tiny").model, 0).eval()
    ctx = torch.cumsum(torch.randn(2, 100), 1) + 5
    ctx[0, 40:45] = float("nan")
    s, h = torch.tensor([1.0]), torch.tensor([24])  # P = 24 steps per position
    with torch.no_grad():
        u, mu, sigma, kept, plan = model.encode_sequence(ctx, s, h)
        loc, scale = nan_scale(ctx)
        got = context_loss(model, u, mu, sigma, kept, plan, loc, scale)
        # positions 75, 51, 27 (every 24th from 99 - 24, at least 24 steps in): their forecasts of the next 24 steps
        want_pred, want_tgt = [], []
        for j in (75, 51, 27):
            q = model(ctx[:, : j + 1], s, h)[0]  # [B, 24, 9]
            want_pred.append(q)
            want_tgt.append(ctx[:, j + 1: j + 25])
        pred = torch.cat(want_pred, 1)
        want = pinball((pred - loc.unsqueeze(-1)) / scale.unsqueeze(-1), torch.clamp((torch.cat(want_tgt, 1) - loc) / scale, -50, 50))
        assert abs(float(got) - float(want)) < 1e-5 * max(1.0, abs(float(want)))
        assert float(got) > 0
        # parallel = 0 is the horizon loss; a mix is the weighted sum
        tgt = torch.randn(2, 24)
        period = torch.tensor([24.0, 24.0])
        base = ssm_loss(model, ctx, tgt, period)
        mixed = ssm_loss(model, ctx, tgt, period, parallel=0.3)
        assert abs(float(mixed) - (0.7 * float(base) + 0.3 * float(got))) < 1e-5
        # A context too short for any such position (47 < 2P + 1) adds nothing.
        short = ctx[:, :47]
        assert float(ssm_loss(model, short, tgt, period, parallel=0.3)) == pytest.approx(0.7 * float(ssm_loss(model, short, tgt, period)), rel=1e-6)


def test_validate_cli_repeats_the_logged_loss_and_scores_another_configs_set(tmp_path, capsys):
    from toolchain.training.validate import main as validate_main
    log = train("ssm", str(tmp_path), steps=4, batch=4, seed=3, config="tiny", workers=0)
    validate_main(["--run", str(tmp_path), "--threads", "1"])
    own = json.loads(capsys.readouterr().out)
    assert own["step"] == 4 and own["config"] == "tiny" and own["val_loss"] == log[-1]["val_loss"]
    validate_main(["--run", str(tmp_path), "--config", "small9", "--threads", "1"])
    other = json.loads(capsys.readouterr().out)
    assert other["config"] == "small9" and math.isfinite(other["val_loss"]) and other["val_loss"] != own["val_loss"]


def test_context_step_1_draws_contexts_of_any_length_down_to_five_steps_and_trains_on_them():
    """context_step 1 (the experiment small13, HISTORY.md): contexts at any length (not whole patches),
    5-256 in the short half, so the xlstm trains on the NaN-padded first patch the service sends for a
    series of any length, and on series shorter than one patch (tourism and M3 yearly)."""
    dc = dataclasses.replace(config_for("xlstm", "small8").data, context_step=1, short_context=(5, 256), consistent_fallback=True)
    shapes = [draw_shape(np.random.default_rng([13, s]), dc) for s in range(600)]
    assert all(5 <= C <= 1024 for C, _ in shapes)
    assert np.mean([C % 32 != 0 for C, _ in shapes]) > 0.9
    assert sum(C < 32 for C, _ in shapes) >= 20  # ~27/256 of the short half: ~32 expected (sd 5)
    # A 5-step context keeps its own values (fewer than 8 observed points is all such a context has).
    b = batch_for_step(13, 0, 64, type(dc)(**{**dc.__dict__, "context": (5, 5), "short_prob": 0.0, "cpm": False}))
    assert b["context"].shape[1] == 5 and torch.isfinite(b["context"]).all()
    # and the model's loss is finite on it: the context left-padded with NaN to one patch
    from toolchain.training.families import build_model, xlstm_loss
    model = build_model("xlstm", config_for("xlstm", "tiny").model, 0)
    assert torch.isfinite(xlstm_loss(model, b["context"][:8], b["target"][:8]))


def test_tiny_batches_draw_sub_patch_contexts_and_leave_other_configs_unchanged():
    """small14: 15 % of the batches have a context of 5-31 steps (any length, shorter than one patch)
    and a horizon of 2-32; the rest are small8's. tiny_prob 0 consumes no draw, so small8's shapes stay."""
    dc = config_for("xlstm", "small14").data
    assert dc.tiny_prob == 0.15 and dc.tiny_context == (5, 31) and dc.tiny_horizon == (2, 32)
    shapes = [draw_shape(np.random.default_rng([14, s]), dc) for s in range(2000)]
    tiny = [(C, H) for C, H in shapes if C < 32]
    assert 0.12 < len(tiny) / len(shapes) < 0.18  # binomial sd 0.8 %
    assert all(5 <= C <= 31 and 2 <= H <= 32 for C, H in tiny)
    assert {C for C, _ in tiny} == set(range(5, 32))
    assert all(C % 32 == 0 for C, _ in shapes if C >= 32)
    d8 = config_for("xlstm", "small8").data
    assert d8.tiny_prob == 0
    for s in range(50):  # small8's draw as it was before the tiny branch
        r = np.random.default_rng([8, s])
        ctx, hor = (d8.short_context, d8.short_horizon) if r.random() < d8.short_prob else (d8.context, d8.horizon)
        want = (int(r.integers(ctx[0] // 32, ctx[1] // 32 + 1)) * 32, int(r.integers(hor[0], hor[1] + 1)))
        assert draw_shape(np.random.default_rng([8, s]), d8) == want
