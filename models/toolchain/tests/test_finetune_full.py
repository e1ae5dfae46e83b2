"""toolchain.training.finetune_full: the `full` fine-tune the worker runs for POST /v1/finetunes."""
import io
import json
from contextlib import redirect_stdout

import numpy as np
import onnx
import pytest

from toolchain.common.manifest import sha256_file
from toolchain.common.safetensors import save_safetensors
from toolchain.training.export import read_run
from toolchain.training.finetune_full import main as finetune_main, trainable
from toolchain.training.train import train


def windows(n, L, h, seed, period=12):
    rng = np.random.default_rng(seed)
    t = np.arange(L + h)
    rows = [10 * np.sin(2 * np.pi * (t + k) / period) + 50 + rng.normal(0, 1, L + h) for k in range(n)]
    a = np.stack(rows).astype(np.float32)
    return a[:, :L], a[:, L:]


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_full_finetune_trains_only_the_last_block_and_exports(family, tmp_path):
    run = tmp_path / "run"
    train(family, str(run), steps=4, batch=4, seed=1, config="tiny", workers=0)
    model = read_run(str(run))[0]
    params = trainable(model, family, 1)
    blocks = model.blocks if family == "xlstm" else model.encoder.layers
    assert all(p.requires_grad for p in blocks[-1].parameters())
    assert not any(p.requires_grad for b in blocks[:-1] for p in b.parameters())
    assert sum(p.numel() for p in params) < sum(p.numel() for p in model.parameters())

    tc, tt = windows(16, 96, 12, 0)
    vc, vt = windows(4, 96, 12, 1)
    data = {"train_context": tc, "train_target": tt, "val_context": vc, "val_target": vt, "val_scale": np.ones(4, dtype=np.float32)}
    if family == "ssm":
        data.update({"train_period": np.full(16, 12, np.float32), "val_period": np.full(4, 12, np.float32)})
    save_safetensors(str(tmp_path / "w.safetensors"), data)
    out = io.StringIO()
    with redirect_stdout(out):
        finetune_main(["--run", str(run), "--data", str(tmp_path / "w.safetensors"), "--out", str(tmp_path / "out"), "--id", "ft",
                       "--steps", "6", "--blocks", "1", "--lr", "1e-3", "--batch", "8", "--seed", "2", "--threads", "1"])
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    done = events[-1]
    assert done["event"] == "done" and [e["event"] for e in events[:-1]] == ["progress"] * (len(events) - 1)
    assert done["after"]["wql"] <= done["before"]["wql"] and np.isfinite(done["after"]["mase"])
    e = done["entry"]
    assert e["sha256"] == sha256_file(tmp_path / "out" / "ft.onnx") and e["family"] == family
    onnx.checker.check_model(onnx.load(str(tmp_path / "out" / "ft.onnx")))
    assert done["trainable"] == sum(p.numel() for p in params) and done["blocks"] == 1


def test_a_checkpoint_at_another_step_than_the_served_model_is_refused(tmp_path):
    run = tmp_path / "run"
    train("xlstm", str(run), steps=3, batch=4, seed=1, config="tiny", workers=0)
    tc, tt = windows(4, 64, 8, 0)
    save_safetensors(str(tmp_path / "w.safetensors"), {"train_context": tc, "train_target": tt, "val_context": tc, "val_target": tt})
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as exc:
        finetune_main(["--run", str(run), "--data", str(tmp_path / "w.safetensors"), "--out", str(tmp_path / "o"), "--id", "x", "--expect-step", "2"])
    assert exc.value.code == 3
    msg = json.loads(out.getvalue().splitlines()[-1])
    assert msg["event"] == "error" and msg["code"] == "CHECKPOINT_MISMATCH" and "step 3" in msg["message"]
    assert not (tmp_path / "o").exists()
