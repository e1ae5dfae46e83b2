"""python3 -m toolchain.export_dev [--family xlstm|ssm|all] [--out models]

Regenerates the dev models (small, random weights, fixed seeds), their manifest entries and the
parity fixtures that the TypeScript suite checks onnxruntime-node against."""
import argparse
import os


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m toolchain.export_dev")
    ap.add_argument("--family", default="all", choices=["xlstm", "ssm", "all"])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    a = ap.parse_args(argv)
    if a.family in ("xlstm", "all"):
        from .xlstm.export_dev import main as xlstm_main
        idx = xlstm_main(a.out)
        print(f"xlstm-dev: {len(idx['cases'])} fixture cases; bf16 vs fp32: {idx['bf16VsFp32']}")
    if a.family in ("ssm", "all"):
        from .ssm.export_dev import main as ssm_main
        idx = ssm_main(a.out)
        print(f"ssm-dev: {len(idx['cases'])} fixture cases")


if __name__ == "__main__":
    main()
