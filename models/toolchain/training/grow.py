"""Deepens a trained xlstm checkpoint without changing what it computes, as the start of a larger
model's training (`train.py --init-from`): the new config's blocks are the old blocks in order with
new blocks between them, and every new block is the identity at first (its sLSTM layer's output
scale 1 + w is 0, w = -1, and its feed-forward's down projection is 0, so both residual branches add
nothing). Training then grows them from there: the scale and the down projection get gradients at
the first step, the rest of a new block as soon as those are no longer 0.

  PYTHONPATH=. python3 -m toolchain.training.grow --from runs/xlstm-small14/ckpt.pt --config deep \\
      --out /tmp/grow/xlstm-small14/ckpt.pt

with a recipe for the deeper model in recipes.toml, e.g. [xlstm.deep] base = "small14",
model = { num_blocks = 8 } (the experiment small18 in HISTORY.md).

(`--init-from` names the source run after the output's directory, so keep the old run's name there.)

The new config must match the old model in everything but `num_blocks` (and the input window,
`context_length`, which no weight depends on), with at least as many blocks. The old blocks keep
their order and are spread evenly: old block i goes to position floor(i * new / old), the new
blocks fill the gaps. The output checkpoint holds model weights only, with the old run's provenance
(its `initFrom` chain and step), so that `--init-from` records the whole lineage."""
import argparse
import dataclasses
import os

import torch

from .configs import config_for
from .families import build_model, same_weights_shape


def old_positions(old, new):
    """Where each of `old` blocks goes in a stack of `new` (old <= new), in order."""
    if not 1 <= old <= new:
        raise ValueError(f"cannot grow {old} blocks to {new}")
    return [i * new // old for i in range(old)]


def grow(ck, cfg, seed=0):
    """A checkpoint dict of the model `cfg` (an XlstmConfig) holding `ck`'s weights, deepened."""
    meta = ck["meta"]
    if meta["family"] != "xlstm":
        raise ValueError("only the xlstm family grows by blocks")
    new_model = dataclasses.asdict(cfg)
    if not same_weights_shape(meta["model"], new_model, also_ignore=("num_blocks",)):
        raise ValueError("the new model differs from the checkpoint's in more than num_blocks")
    model = build_model("xlstm", cfg, seed)  # the new blocks' inner weights: a fresh initialisation
    state = model.state_dict()
    pos = old_positions(meta["model"]["num_blocks"], cfg.num_blocks)
    for k, v in ck["model"].items():
        if k.startswith("blocks."):
            i, rest = k[len("blocks."):].split(".", 1)
            k = f"blocks.{pos[int(i)]}.{rest}"
        if state[k].shape != v.shape:
            raise ValueError(f"{k}: {tuple(v.shape)} does not fit {tuple(state[k].shape)}")
        state[k] = v.clone()
    for j in sorted(set(range(cfg.num_blocks)) - set(pos)):
        state[f"blocks.{j}.slstm_layer.group_norm.weight"].fill_(-1.0)
        state[f"blocks.{j}.ffn.proj_down.weight"].zero_()
    grown = dict(meta, model=new_model, grownFrom={"blocks": meta["model"]["num_blocks"], "positions": pos})
    return {"step": ck["step"], "model": state, "meta": grown}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="src", required=True, help="an xlstm run's ckpt.pt")
    p.add_argument("--config", required=True, help="the deeper model's recipe (recipes.toml [xlstm.*])")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0, help="seed of the new blocks' inner weights")
    a = p.parse_args(argv)
    g = grow(torch.load(a.src, map_location="cpu"), config_for("xlstm", a.config).model, a.seed)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(g, a.out)
    print(f"{a.out}: {g['meta']['grownFrom']['blocks']} -> {g['meta']['model']['num_blocks']} blocks, old ones at {g['meta']['grownFrom']['positions']}")


if __name__ == "__main__":
    main()
