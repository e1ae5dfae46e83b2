"""python3 -m toolchain.convert --family xlstm|ssm --checkpoint PATH --out models/ [--id ID]

Converts an official TiRex (`model.ckpt`) or FlowState (`model.safetensors` + `config.json`)
checkpoint into our ONNX format, writes the head sidecar and upserts models/manifest.json."""
import argparse
import json


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m toolchain.convert", description=__doc__)
    ap.add_argument("--family", required=True, choices=["xlstm", "ssm"])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--id")
    a = ap.parse_args(argv)
    if a.family == "xlstm":
        from .xlstm.convert import convert_checkpoint
        entry = convert_checkpoint(a.checkpoint, a.out, a.id or "tirex")
    else:
        from .ssm.convert import convert_checkpoint
        entry = convert_checkpoint(a.checkpoint, a.out, a.id or "flowstate")
    print(json.dumps({k: entry[k] for k in ("id", "family", "file", "sha256", "parameters")}, indent=2))


if __name__ == "__main__":
    main()
