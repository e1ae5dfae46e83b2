"""toolchain.training.export: a few-step tiny run -> ONNX + head sidecar + fixtures + manifest entry."""
import json

import numpy as np
import onnx
import pytest

from toolchain.common.manifest import sha256_file
from toolchain.common.safetensors import load_safetensors
from toolchain.training.export import main as export_main
from toolchain.training.export import read_run, trained_seasons, training_summary
from toolchain.training.configs import config_for
from toolchain.training.families import build_model
from toolchain.training.train import train


@pytest.mark.parametrize("family", ["xlstm", "ssm"])
def test_export_of_a_tiny_run(family, tmp_path):
    run = tmp_path / "run"
    train(family, str(run), steps=12, batch=4, seed=3, config="tiny", workers=0, stop_after=10)
    out = tmp_path / "models"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"version": 1, "models": [{"id": "other", "x": 1}], "default": "other"}))
    export_main(["--run", str(run), "--id", f"{family}-t", "--out", str(out)])

    manifest = json.loads((out / "manifest.json").read_text())
    assert [m["id"] for m in manifest["models"]] == ["other", f"{family}-t"] and manifest["default"] == "other"
    e = manifest["models"][1]
    assert e["family"] == family and e["file"] == f"{family}-t.onnx"
    assert e["sha256"] == sha256_file(out / e["file"]) and e["head"]["sha256"] == sha256_file(out / e["head"]["file"])
    onnx.checker.check_model(onnx.load(str(out / e["file"])))
    assert [i["name"] for i in e["inputs"]][:1] == ["context"] and [o["name"] for o in e["outputs"]] == ["quantiles", "embeddings", "loc", "scale"]

    p = e["provenance"]
    assert (p["trainedSteps"], p["plannedSteps"], p["seed"], p["batch"], p["trainConfig"]) == (10, 12, 3, 4, "tiny")
    assert "step 10 of 12" in p["source"]
    assert p["generator"]["mixture"]["kernel_synth"] == 0.3 and len(p["generator"]["mixture"]) == 10
    assert p["generator"]["data"]["horizon"] == [8, 64]
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert p["wallTimeSec"] == pytest.approx(sum(1 / r["steps_per_s"] for r in log if "steps_per_s" in r), abs=0.1)
    assert p["wallTimeSec"] > 0 and p["hardware"]
    vals = [r for r in log if "val_loss" in r]
    assert p["finalValidationStep"] == vals[-1]["step"] == 10 and p["finalValidationLoss"] == pytest.approx(vals[-1]["val_loss"], abs=1e-5)
    assert e["parameters"] == json.loads((run / "config.json").read_text())["parameters"]
    # The xlstm's seasons: the run's periods (tiny draws synthetic.sampler.TARGET_PERIODS); the ssm has none.
    assert e.get("seasons") == ([4, 7, 12, 24, 48, 52, 96, 168] if family == "xlstm" else None)

    # The head sidecar and the fixtures come from the trained checkpoint, not a fresh initialisation.
    model, step, _, _ = read_run(str(run))
    assert step == 10
    sidecar = load_safetensors(str(out / e["head"]["file"]))
    if family == "xlstm":
        from toolchain.xlstm.export import head_tensors
    else:
        from toolchain.ssm.export import head_tensors
    trained = head_tensors(model)
    assert sorted(sidecar) == sorted(e["head"]["tensors"]) == sorted(trained)
    assert all(np.array_equal(sidecar[n], trained[n]) for n in trained)
    cfg = json.loads((run / "config.json").read_text())
    fresh = head_tensors(build_model(family, config_for(family, "tiny").model, cfg["seed"]))
    assert any(not np.array_equal(fresh[n], trained[n]) for n in trained)
    index = json.loads((out / "fixtures" / f"{family}-t" / "index.json").read_text())
    assert index["model"] == f"{family}-t" and len(index["cases"]) >= 5
    assert any(c["head"] == "custom" for c in index["cases"])
    if family == "xlstm":
        # The scale factor is an ssm input: the xlstm has none to map.
        with pytest.raises(ValueError, match="ssm family only"):
            export_main(["--run", str(run), "--id", f"{family}-t", "--out", str(out), "--no-fixtures", "--scale-periods", "2:4"])
        assert "scalePeriods" not in json.loads((out / "manifest.json").read_text())["models"][1]
        assert "contextPadding" not in e
        export_main(["--run", str(run), "--id", f"{family}-t", "--out", str(out), "--no-fixtures", "--context-padding", "2"])
        assert json.loads((out / "manifest.json").read_text())["models"][1]["contextPadding"] == {"minPatches": 2}
        for bad in ("0", "9"):  # tiny: a 256-step window of 32-step patches holds 8
            with pytest.raises(ValueError, match="--context-padding must be in 1..8"):
                export_main(["--run", str(run), "--id", f"{family}-t", "--out", str(out), "--no-fixtures", "--context-padding", bad])
    else:
        with pytest.raises(ValueError, match="xlstm family only"):
            export_main(["--run", str(run), "--id", f"{family}-t", "--out", str(out), "--no-fixtures", "--context-padding", "1"])


def test_trained_seasons_lists_the_integer_periods_of_the_data_config():
    assert trained_seasons({"periods": [288.0, 4.0, 7.0, 12.0]}) == [4, 7, 12, 288]
    assert trained_seasons({"periods": [7.5, 24.0, 1.0]}) == [24]
    assert trained_seasons({"periods": None}) == trained_seasons({}) == trained_seasons(None) == [4, 7, 12, 24, 48, 52, 96, 168]


def test_training_summary_sums_the_logged_rates():
    log = [{"step": 0, "val_loss": 1.0}, {"step": 10, "steps_per_s": 2.0}, {"step": 20, "steps_per_s": 5.0, "val_loss": 0.5},
           {"step": 30, "steps_per_s": 1.0}]
    s = training_summary(log, 20)
    assert s["wallTimeSec"] == 7.0 and s["finalValidationLoss"] == 0.5 and s["finalValidationStep"] == 20
    assert s["initialValidationLoss"] == 1.0
    assert training_summary(log, 30)["wallTimeSec"] == 17.0


def test_export_of_a_continued_run_records_its_origin(tmp_path):
    train("ssm", str(tmp_path / "first"), steps=4, batch=4, seed=3, config="tiny", workers=0)
    train("ssm", str(tmp_path / "second"), steps=3, batch=4, seed=4, config="tiny", workers=0,
          init_from=str(tmp_path / "first" / "ckpt.pt"))
    out = tmp_path / "models"
    out.mkdir()
    export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--default-context", "192"])
    e = json.loads((out / "manifest.json").read_text())["models"][0]
    assert (e["defaultContext"], e["contextLength"]) == (192, 2048)
    assert "negationEnsemble" not in e
    export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--default-context", "192",
                 "--negation-ensemble"])
    e = json.loads((out / "manifest.json").read_text())["models"][0]
    assert e["negationEnsemble"] is True and e["defaultContext"] == 192
    assert "contextSelection" not in e
    export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--default-context", "192",
                 "--negation-ensemble", "--context-selection", "2048,128,512"])
    e = json.loads((out / "manifest.json").read_text())["models"][0]
    assert e["contextSelection"] == {"candidates": [128, 512, 2048], "top": 2, "windows": 2}
    for bad, top, windows in (("128,4096", "2", "2"), ("128", "1", "2"), ("128,256", "3", "2"), ("128,256", "1", "9")):
        with pytest.raises(ValueError, match="--context-selection"):
            export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures",
                         "--context-selection", bad, "--context-selection-top", top, "--context-selection-windows", windows])
    assert "seasonalAdjustment" not in e
    export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--seasonal-adjustment", "6"])
    assert json.loads((out / "manifest.json").read_text())["models"][0]["seasonalAdjustment"] == {"cycles": 6}
    for bad in ("2", "65"):
        with pytest.raises(ValueError, match="--seasonal-adjustment must be in 3..64"):
            export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--seasonal-adjustment", bad])
    export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--seasonal-adjustment", "6",
                 "--seasonal-adjustment-additive", "0.7"])
    assert json.loads((out / "manifest.json").read_text())["models"][0]["seasonalAdjustment"] == {"cycles": 6, "additive": 0.7}
    for args in (["--seasonal-adjustment", "6", "--seasonal-adjustment-additive", "0"], ["--seasonal-adjustment", "6", "--seasonal-adjustment-additive", "1.5"],
                 ["--seasonal-adjustment-additive", "0.7"]):
        with pytest.raises(ValueError, match="--seasonal-adjustment-additive"):
            export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", *args])
    assert "scalePeriods" not in json.loads((out / "manifest.json").read_text())["models"][0]
    export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--scale-periods", "3:6,2:4"])
    assert json.loads((out / "manifest.json").read_text())["models"][0]["scalePeriods"] == {"2": 4, "3": 6}
    with pytest.raises(ValueError, match="positive integers"):
        export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--scale-periods", "2:0"])
    with pytest.raises(SystemExit, match="M:P pairs"):
        export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--scale-periods", "2-4"])
    p = e["provenance"]
    assert (p["trainedSteps"], p["totalSteps"]) == (3, 7)
    assert p["initFrom"] == {"run": "first", "config": "tiny", "step": 4, "seed": 3, "batch": 4, "priorSteps": 4}
    assert "continued from run first (config tiny, 4 steps before this run)" in p["source"] and p["run"] == "second"
    with pytest.raises(ValueError, match="must be in 1..2048"):
        export_main(["--run", str(tmp_path / "second"), "--id", "ssm-c", "--out", str(out), "--no-fixtures", "--default-context", "4096"])
