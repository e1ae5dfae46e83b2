"""The validation loss of a run's checkpoint on another config's fixed synthetic validation set, so
stages trained on different mixtures compare on the same inputs:

  PYTHONPATH=. /usr/bin/python3 -m toolchain.training.validate --run runs/xlstm-small14 --config small2

prints {"run", "step", "config", "val_loss"}; with the run's own config it repeats the log's value."""
import argparse
import json

import torch

from .configs import config_for
from .data import validation_set
from .export import read_run
from .train import validate


def run_val_loss(run, config=None, threads=2):
    torch.set_num_threads(threads)
    model, step, meta, _ = read_run(run)
    family, config = meta["family"], config or meta["config"]
    return {"run": run, "step": step, "config": config,
            "val_loss": validate(family, model, validation_set(config_for(family, config).data))}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="training run directory (ckpt.pt, config.json)")
    p.add_argument("--config", default=None, help="whose validation set (default: the run's own config)")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    print(json.dumps(run_val_loss(a.run, a.config, a.threads)))


if __name__ == "__main__":
    main()
