"""Python side of test/bench/ssm-graph.bench.ts: exports ssm-small's graph before the chunked scan
(a Scan over every time step; the same weights, from runs/ssm-small9, byte for byte the graph shipped
until 2026-12-07) next to the shipped chunked one, and writes the benchmark's inputs.

python3 -m toolchain.ssm.bench_graph --out DIR [--shapes 256x1024,32x1024,1x1024,256x512]"""
import argparse
import json
import os

import numpy as np

from ..common.safetensors import save_safetensors
from ..training.export import read_run
from .export import export_ssm

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--run", default=os.path.join(HERE, "..", "..", "runs", "ssm-small9"))
    ap.add_argument("--shapes", default="256x1024,32x1024,1x1024,256x512")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    model = read_run(a.run)[0]
    export_ssm(model, os.path.join(a.out, "step.onnx"), os.path.join(a.out, "step.head.safetensors"), chunked=False)
    rng = np.random.default_rng(0)
    cases = []
    for shape in a.shapes.split(","):
        B, L = map(int, shape.split("x"))
        t = np.arange(L)
        ctx = 100 + 20 * np.sin(2 * np.pi * t / 24)[None, :] + rng.normal(0, 1, (B, L)).cumsum(1)
        name = f"b{B}_l{L}"
        save_safetensors(os.path.join(a.out, name + ".safetensors"), {
            "context": ctx.astype(np.float32), "scale_factor": np.array([1.0], dtype=np.float32),
            "horizon": np.array([24], dtype=np.int64)})
        cases.append({"name": name, "batch": B, "context": L})
    with open(os.path.join(a.out, "cases.json"), "w") as f:
        json.dump(cases, f)


if __name__ == "__main__":
    main()
