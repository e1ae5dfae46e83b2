"""Attach `ai.tsfm` model-local functions (FunctionProto) to an exported ModelProto."""
import onnx
from onnx import helper

DOMAIN = "ai.tsfm"
OPSET = 17


def attach_functions(model, functions):
    """Adds the functions, imports the ai.tsfm domain, and checks the whole model."""
    used = {n.op_type for n in model.graph.node if n.domain == DOMAIN}
    provided = {f.name for f in functions}
    missing = used - provided
    if missing:
        raise ValueError(f"no function body for ai.tsfm ops {sorted(missing)}")
    del model.functions[:]
    model.functions.extend([f for f in functions if f.name in used])
    imports = {o.domain: o for o in model.opset_import}
    if DOMAIN not in imports:
        model.opset_import.append(helper.make_opsetid(DOMAIN, 1))
    if "" in imports and imports[""].version < OPSET:
        raise ValueError("the graph must be opset 17 or later")
    model.ir_version = max(model.ir_version, 8)
    onnx.checker.check_model(model, full_check=True)
    return model


def function_names(model):
    return sorted(f.name for f in model.functions)
