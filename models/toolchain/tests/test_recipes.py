"""recipes.toml: the recipes resolve to the configurations the shipped runs were trained with.

fixtures/recipes-resolved.json was written from the if-chain configs.py that trained them (before the
recipes moved to data), so a recipe edit that changes a shipped model's settings fails here."""
import dataclasses
import json
import os

import pytest

from toolchain.training.configs import DataConfig, config_for, load_recipes

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "recipes-resolved.json")
with open(FIXTURE) as f:
    RESOLVED = json.load(f)


def resolved(family, name, recipes=None):
    c = config_for(family, name, recipes)
    d = dataclasses.asdict(c)
    d["model_class"] = type(c.model).__name__
    return c, d


@pytest.mark.parametrize("key", sorted(RESOLVED))
def test_recipe_resolves_to_the_recorded_config(key):
    family, name = key.split("/")
    c, d = resolved(family, name)
    # JSON text, not ==: 2 == 2.0 in Python, and an int where a float was changes nothing here but reads wrong
    assert json.dumps(d, sort_keys=True) == json.dumps(RESOLVED[key], sort_keys=True)
    # JSON has no tuples: the ranges must still be tuples, as DataConfig's defaults are
    assert not any(isinstance(v, list) for v in vars(c.data).values())


def test_the_shipped_recipes_and_the_ones_scripts_use_are_recorded():
    recipes = load_recipes()
    keys = {f"{fam}/{name}" for fam in recipes for name in recipes[fam]}
    shipped = {"ssm/small9"} | {f"xlstm/{n}" for n in ("small", "small2", "small4", "small5", "small6", "small7", "small8", "small14")}
    assert shipped | {"xlstm/gpu", "ssm/gpu", "xlstm/tiny", "ssm/tiny"} <= set(RESOLVED) <= keys


def test_base_merges_model_and_data_key_by_key_and_errors_name_the_recipe():
    recipes = {"xlstm": {
        "a": {"model": {"embedding_dim": 32, "num_blocks": 1}, "data": {"context": [64, 128], "mix": "MIX_V2"}, "lr": 0.5,
              "about": "not inherited"},
        "b": {"base": "a", "model": {"num_blocks": 2}, "data": {"cpm": True}, "warmup": 7},
        "loop1": {"base": "loop2"}, "loop2": {"base": "loop1"},
        "typo": {"data": {"mix": "MIX_V9"}},
    }}
    c, _ = resolved("xlstm", "b", recipes)
    assert (c.model.embedding_dim, c.model.num_blocks, c.lr, c.warmup) == (32, 2, 0.5, 7)
    assert c.data.context == (64, 128) and c.data.cpm and c.data.horizon == DataConfig().horizon
    from toolchain.synthetic.registry import MIX_V2
    assert c.data.mix == MIX_V2
    with pytest.raises(ValueError, match="unknown recipe 'nope'"):
        config_for("xlstm", "nope", recipes)
    with pytest.raises(ValueError, match="loops"):
        config_for("xlstm", "loop1", recipes)
    with pytest.raises(ValueError, match="MIX_V9"):
        config_for("xlstm", "typo", recipes)
    with pytest.raises(TypeError):  # a misspelt field is refused, not ignored
        config_for("xlstm", "x", {"xlstm": {"x": {"data": {"short_porb": 0.5}}}})
