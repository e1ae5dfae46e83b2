"""tsfm model toolchain: PyTorch reference models (xlstm = TiRex architecture, ssm = FlowState
architecture), converters for the official checkpoints, ONNX export with `ai.tsfm` function ops,
and dev models with parity fixtures. Import with PYTHONPATH=models."""

TOOLCHAIN_VERSION = "0.1.0"
