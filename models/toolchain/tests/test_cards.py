"""scripts/eval/cards.py: the reproduce chain of a staged (continued) pre-training run."""
import importlib.util
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def load_cards():
    spec = importlib.util.spec_from_file_location("cards", os.path.join(REPO, "scripts", "eval", "cards.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_run(root, name, steps, seed, config, init=None):
    os.makedirs(root / name)
    c = {"family": "ssm", "config": config, "steps": steps, "batch": 32, "seed": seed}
    if init:
        c["initFrom"] = {"run": init}
    (root / name / "config.json").write_text(json.dumps(c))


def test_run_chain_follows_init_from_back_to_the_first_stage(tmp_path):
    cards = load_cards()
    write_run(tmp_path, "a", 3000, 0, "small")
    write_run(tmp_path, "b", 2000, 0, "small2", init="a")
    write_run(tmp_path, "c", 1000, 3, "small3", init="b")
    chain = cards.run_chain(str(tmp_path), "c")
    assert [(r, c["steps"], c["seed"]) for r, c in chain] == [("a", 3000, 0), ("b", 2000, 0), ("c", 1000, 3)]
    assert cards.run_chain(str(tmp_path), "missing") == []
    os.remove(tmp_path / "a" / "config.json")  # a broken chain gives no commands rather than wrong ones
    assert cards.run_chain(str(tmp_path), "c") == []


def shipped_provenances():
    """The manifest's provenance of every model trained here (those with a run)."""
    with open(os.path.join(REPO, "models", "manifest.json")) as f:
        manifest = json.load(f)
    ps = [e.get("provenance") or {} for e in manifest["models"]]
    return [p for p in ps if p.get("run")]


def test_shipped_runs_chain_to_their_manifest_step_counts():
    cards = load_cards()
    for p in shipped_provenances():
        chain = cards.run_chain(os.path.join(REPO, "models", "runs"), p["run"])
        assert chain and chain[-1][0] == p["run"]
        assert sum(c["steps"] for _, c in chain) == p.get("totalSteps", p["trainedSteps"])


def test_stage_hours_sums_the_logged_steps_over_their_rate(tmp_path):
    cards = load_cards()
    write_run(tmp_path, "a", 30, 0, "small")
    recs = [{"step": 0, "val_loss": 1.0}, {"step": 10, "steps_per_s": 0.5}, {"step": 30, "steps_per_s": 2.0, "val_loss": 0.9}]
    (tmp_path / "a" / "log.jsonl").write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    assert abs(cards.stage_hours(str(tmp_path), "a") - (10 / 0.5 + 20 / 2.0) / 3600) < 1e-12
    assert cards.stage_hours(str(tmp_path), "missing") is None


def test_shipped_chains_last_stage_matches_the_manifest_wall_time():
    """The card's chain time counts the shipped run the way the export's provenance did."""
    cards = load_cards()
    ps = shipped_provenances()
    assert len(ps) >= 2
    for p in ps:
        h = cards.stage_hours(os.path.join(REPO, "models", "runs"), p["run"])
        assert abs(h * 3600 - p["wallTimeSec"]) < 1.0
