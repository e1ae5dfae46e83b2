"""training.grow: a deeper xlstm that computes exactly what the checkpoint did, and trains from there."""
import dataclasses

import pytest
import torch

from toolchain.training.configs import config_for, load_recipes
from toolchain.training.families import build_model, xlstm_loss
from toolchain.training.grow import grow, old_positions


def tiny_checkpoint(blocks=2):
    cfg = dataclasses.replace(config_for("xlstm", "tiny").model, num_blocks=blocks)
    model = build_model("xlstm", cfg, 3)
    with torch.no_grad():  # trained-looking weights: no block is the identity by accident
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    meta = {"family": "xlstm", "config": "tiny", "model": dataclasses.asdict(cfg), "seed": 3, "batch": 8}
    return model, cfg, {"step": 7, "model": model.state_dict(), "meta": meta}


def test_old_positions_spread_in_order():
    assert old_positions(4, 8) == [0, 2, 4, 6]
    assert old_positions(2, 3) == [0, 1]
    assert old_positions(3, 3) == [0, 1, 2]
    with pytest.raises(ValueError):
        old_positions(4, 3)


@pytest.mark.parametrize("new", [2, 3, 5])
def test_grown_model_computes_the_same_forecast(new):
    old, cfg, ck = tiny_checkpoint(2)
    g = grow(ck, dataclasses.replace(cfg, num_blocks=new), seed=1)
    deep = build_model("xlstm", dataclasses.replace(cfg, num_blocks=new), 0)
    deep.load_state_dict(g["model"])
    assert len(deep.blocks) == new
    assert g["meta"]["grownFrom"] == {"blocks": 2, "positions": old_positions(2, new)}
    assert g["meta"]["model"]["num_blocks"] == new and g["step"] == 7
    torch.manual_seed(0)
    x = torch.randn(3, 150).cumsum(1)
    x[0, :40] = float("nan")
    old.eval(), deep.eval()
    with torch.no_grad():
        a, b = old(x, new_patches=2), deep(x, new_patches=2)
    for u, v in zip(a, b):
        assert torch.equal(u, v)
    # The new blocks are not frozen at the identity: one step of training moves their outputs.
    deep.train()
    opt = torch.optim.AdamW(deep.parameters(), lr=1e-2)
    ctx, tgt = torch.randn(4, 96).cumsum(1), torch.randn(4, 16)
    opt.zero_grad()
    xlstm_loss(deep, ctx, tgt).backward()
    fresh = sorted(set(range(new)) - set(old_positions(2, new)))
    for j in fresh:
        assert float(deep.blocks[j].ffn.proj_down.weight.grad.abs().sum()) > 0
        assert float(deep.blocks[j].slstm_layer.group_norm.weight.grad.abs().sum()) > 0
    opt.step()
    with torch.no_grad():
        deep.eval()
        moved = deep(x, new_patches=2)[0]
    assert fresh == [] or not torch.equal(moved, a[0])


def test_grow_refuses_another_shape():
    _, cfg, ck = tiny_checkpoint(2)
    with pytest.raises(ValueError, match="more than num_blocks"):
        grow(ck, dataclasses.replace(cfg, num_blocks=4, embedding_dim=64))
    with pytest.raises(ValueError):
        grow(ck, dataclasses.replace(cfg, num_blocks=1))
    with pytest.raises(ValueError, match="xlstm"):
        grow({**ck, "meta": {**ck["meta"], "family": "ssm"}}, cfg)


def test_a_deeper_recipe_on_a_shipped_base_is_that_model_with_more_blocks():
    """How grow's --config is written (the experiment small18, HISTORY.md): `base = "small14"` and
    `model = { num_blocks = 8 }` in recipes.toml keep small14's data and everything else of its model."""
    recipes = load_recipes()
    recipes["xlstm"]["deep"] = {"base": "small14", "model": {"num_blocks": 8}, "lr": 2e-4}
    a, b = config_for("xlstm", "small14"), config_for("xlstm", "deep", recipes)
    assert dataclasses.replace(b.model, num_blocks=4) == a.model and b.model.num_blocks == 8
    assert b.data == a.data and b.lr == 2e-4
