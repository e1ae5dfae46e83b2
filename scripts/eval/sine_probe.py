"""A seasonal-copy probe for training runs: noisy two-harmonic sines of a given period, forecast
64 steps from contexts of several lengths by the run's PyTorch weights (one pass, no serving
pipeline; an ssm run gets the scale factor min(24, 24 / period), or of `--season-multiple` times
the period); prints the mean over `--draws` series of the model median's MAE divided by seasonal
naive's. A model that reads the season off the context scores well below 1 (the noise alone, sd 0.5,
leaves an MAE of 0.40 against seasonal naive's ~0.56).

  cd models && PYTHONPATH=. /usr/bin/python3 ../scripts/eval/sine_probe.py runs/xlstm-small14
  cd models && PYTHONPATH=. /usr/bin/python3 ../scripts/eval/sine_probe.py runs/ssm-small9 --periods 2,3,4,5,6,7,10,72,144
"""
import argparse
import os

import numpy as np
import torch

from toolchain.ssm.model import forecast as ssm_forecast
from toolchain.training.export import read_run


def probe(model, length, period, draws, H=64, family="xlstm", multiple=1):
    rng = np.random.default_rng([length, period])  # the same series for every run
    ratios = []
    for _ in range(draws):
        t = np.arange(length + H)
        y = 10 + 3 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi)) \
            + 1.5 * np.cos(4 * np.pi * t / period + 1) + rng.normal(0, 0.5, len(t))
        ctx = torch.tensor(y[:length], dtype=torch.float32)[None]
        with torch.no_grad():
            if family == "ssm":
                q = ssm_forecast(model, ctx, min(24.0, 24.0 / (multiple * period)), H)
            else:
                q = model(ctx, new_patches=2)[0]
        med, tgt = q[0, :H, 4].numpy(), y[length:]
        sn = y[length - period + np.arange(H) % period]
        ratios.append(np.abs(med - tgt).mean() / np.abs(sn - tgt).mean())
    return float(np.mean(ratios))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+")
    p.add_argument("--lengths", default="60,120,300,1000")
    p.add_argument("--periods", default="4,7,12,24")
    p.add_argument("--draws", type=int, default=20)
    p.add_argument("--season-multiple", type=int, default=1,
                   help="ssm runs: the scale factor of this multiple of the period (the pattern repeats there too)")
    a = p.parse_args()
    torch.set_num_threads(2)
    for run in a.runs:
        m, _, meta, _ = read_run(run)
        m.eval()
        for L in map(int, a.lengths.split(",")):
            cells = [f"m={P}: {probe(m, L, P, a.draws, family=meta['family'], multiple=a.season_multiple):.3f}" for P in map(int, a.periods.split(","))]
            print(f"{os.path.basename(run.rstrip('/'))} context {L}: " + ", ".join(cells))


if __name__ == "__main__":
    main()
