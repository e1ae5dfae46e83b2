"""Attach `ai.tsfm` model-local functions (FunctionProto) to an exported ModelProto.

Recipe: wrap a core in a torch.autograd.Function whose symbolic() emits `g.op("ai.tsfm::Name", ...)`,
export with custom_opsets={"ai.tsfm": 1}, then `attach_functions(proto, [make_function(...)])`."""
import onnx
from onnx import helper

DOMAIN = "ai.tsfm"
OPSET = 17


def used_ops(model):
    return {n.op_type for n in model.graph.node if n.domain == DOMAIN}


def check_functions(model):
    """onnx.checker accepts unknown custom-domain ops silently; we do not: every ai.tsfm op the graph
    uses must have a function body, or onnxruntime refuses the model at load."""
    missing = used_ops(model) - {f.name for f in model.functions if f.domain == DOMAIN}
    if missing:
        raise ValueError(f"no function body for ai.tsfm ops {sorted(missing)}")
    if DOMAIN not in {o.domain for o in model.opset_import} and used_ops(model):
        raise ValueError("the model does not import the ai.tsfm domain")


def attach_functions(model, functions):
    """Adds the functions the graph uses, imports the ai.tsfm domain, and checks the whole model."""
    used = used_ops(model)
    del model.functions[:]
    model.functions.extend([f for f in functions if f.name in used])
    imports = {o.domain: o for o in model.opset_import}
    if DOMAIN not in imports:
        model.opset_import.append(helper.make_opsetid(DOMAIN, 1))
    if "" in imports and imports[""].version < OPSET:
        raise ValueError("the graph must be opset 17 or later")
    model.ir_version = max(model.ir_version, 8)  # model-local functions need IR 8
    check_functions(model)
    onnx.checker.check_model(model, full_check=True)
    return model


def function_names(model):
    return sorted(f.name for f in model.functions)
