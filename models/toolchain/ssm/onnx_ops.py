"""`ai.tsfm::S5Scan` (the diagonal complex recurrence in real parts, a Scan over time; graphs before
the chunked scan), `ai.tsfm::S5ChunkCarry` (the same recurrence over chunks, chunked.py) and
`ai.tsfm::LegendreBasis` (P_0..P_{n-1} at continuous time points, a Loop over degrees)."""
import torch
from torch.onnx import symbolic_helper
from onnx import TensorProto, helper

from ..common.onnx_functions import DOMAIN, OPSET
from .chunked import chunk_carry
from .ops import legendre_basis, s5_scan

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64


class S5ScanOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, bu_r, bu_i, lam_r, lam_i):
        return s5_scan(bu_r, bu_i, lam_r, lam_i)

    @staticmethod
    def symbolic(g, bu_r, bu_i, lam_r, lam_i):
        xr, xi = g.op(f"{DOMAIN}::S5Scan", bu_r, bu_i, lam_r, lam_i, outputs=2)
        xr.setType(bu_r.type())
        xi.setType(bu_r.type())
        return xr, xi


class ChunkCarryOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, e, lam_r, lam_i):
        return chunk_carry(e, lam_r, lam_i)

    @staticmethod
    def symbolic(g, e, lam_r, lam_i):
        out = g.op(f"{DOMAIN}::S5ChunkCarry", e, lam_r, lam_i)
        out.setType(e.type())
        return out


class LegendreBasisOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t, count):
        # Computed outside the tracer (numpy): traced loop ops inside a PythonOp trip up torch 1.13's
        # ONNX peephole pass; the ONNX function body is what runs after export.
        n = int(count[0])
        return torch.from_numpy(legendre_basis(t.detach().double(), n).numpy()).to(t.dtype)

    @staticmethod
    def symbolic(g, t, count):
        out = g.op(f"{DOMAIN}::LegendreBasis", t, count)
        n = int(symbolic_helper._maybe_get_const(count, "is")[0])
        out.setType(t.type().with_sizes([None, n]))
        return out


def s5_scan_export(bu_r, bu_i, lam_r, lam_i):
    return S5ScanOp.apply(bu_r, bu_i, lam_r, lam_i)


def chunk_carry_export(e, lam_r, lam_i):
    return ChunkCarryOp.apply(e, lam_r, lam_i)


def legendre_basis_export(t, n):
    return LegendreBasisOp.apply(t, torch.tensor([n], dtype=torch.int64))


def _c(name, dtype, dims, vals):
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(name + "_v", dtype, dims, vals))


def s5_scan_function():
    """bu_r, bu_i [B,L,P], lam_r, lam_i [P] -> x_r, x_i [B,L,P]; x_k = Λ̄ x_{k-1} + B̄u_k, x_{-1} = 0."""
    n = helper.make_node
    body = helper.make_graph(
        [
            n("Mul", ["lam_r", "xr"], ["a1"]), n("Mul", ["lam_i", "xi"], ["a2"]), n("Sub", ["a1", "a2"], ["a3"]),
            n("Add", ["a3", "ur"], ["xr_out"]),
            n("Mul", ["lam_r", "xi"], ["b1"]), n("Mul", ["lam_i", "xr"], ["b2"]), n("Add", ["b1", "b2"], ["b3"]),
            n("Add", ["b3", "ui"], ["xi_out"]),
            n("Identity", ["xr_out"], ["yr"]), n("Identity", ["xi_out"], ["yi"]),
        ],
        "s5_step",
        [helper.make_tensor_value_info(x, F32, None) for x in ["xr", "xi", "ur", "ui"]],
        [helper.make_tensor_value_info(x, F32, None) for x in ["xr_out", "xi_out", "yr", "yi"]],
    )
    nodes = [
        _c("idx02", I64, [2], [0, 2]),
        n("Shape", ["bu_r"], ["shp"]),
        n("Gather", ["shp", "idx02"], ["state_shape"], axis=0),
        n("ConstantOfShape", ["state_shape"], ["x0"], value=helper.make_tensor("z", F32, [1], [0.0])),
        n("Scan", ["x0", "x0", "bu_r", "bu_i"], ["xr_T", "xi_T", "x_r", "x_i"], num_scan_inputs=2, body=body,
          scan_input_axes=[1, 1], scan_output_axes=[1, 1]),
    ]
    return helper.make_function(DOMAIN, "S5Scan", ["bu_r", "bu_i", "lam_r", "lam_i"], ["x_r", "x_i"], nodes,
                                opset_imports=[helper.make_opsetid("", OPSET)])


def chunk_carry_function():
    """e [P, 2, B, nc] (re/im on axis 1), lam_r, lam_i [P] -> s_in [P, 2, B, nc]: s_in_0 = 0,
    s_in_{c+1} = λ s_in_c + e_c, a Scan over axis 3 whose step is λ·s = s ⊙ (λr, λr) + (s_i, s_r) ⊙ (−λi, λi)."""
    n = helper.make_node
    body = helper.make_graph(
        [
            n("Mul", ["s", "lam_rr"], ["a"]), n("Gather", ["s", "swap"], ["sw"], axis=1), n("Mul", ["sw", "lam_ii"], ["b"]),
            n("Add", ["a", "b"], ["ab"]), n("Add", ["ab", "e_c"], ["s_out"]), n("Identity", ["s"], ["s_in"]),
        ],
        "carry_step",
        [helper.make_tensor_value_info(x, F32, None) for x in ["s", "e_c"]],
        [helper.make_tensor_value_info(x, F32, None) for x in ["s_out", "s_in"]],
    )
    nodes = [
        _c("swap", I64, [2], [1, 0]), _c("axes12", I64, [2], [1, 2]),
        _c("idx012", I64, [3], [0, 1, 2]),
        n("Unsqueeze", ["lam_r", "axes12"], ["lr"]), n("Unsqueeze", ["lam_i", "axes12"], ["li"]),
        n("Neg", ["li"], ["nli"]),
        n("Concat", ["lr", "lr"], ["lam_rr"], axis=1), n("Concat", ["nli", "li"], ["lam_ii"], axis=1),
        n("Shape", ["e"], ["shp"]), n("Gather", ["shp", "idx012"], ["state_shape"], axis=0),
        n("ConstantOfShape", ["state_shape"], ["s0"], value=helper.make_tensor("z", F32, [1], [0.0])),
        n("Scan", ["s0", "e"], ["s_T", "s_in"], num_scan_inputs=1, body=body, scan_input_axes=[3], scan_output_axes=[3]),
    ]
    return helper.make_function(DOMAIN, "S5ChunkCarry", ["e", "lam_r", "lam_i"], ["s_in"], nodes,
                                opset_imports=[helper.make_opsetid("", OPSET)])


def legendre_basis_function():
    """t [T], n [1] (int64) -> [T, n]: P_{k+1} = ((2k+1) t P_k - k P_{k-1}) / (k+1)."""
    nd = helper.make_node
    body = helper.make_graph(
        [
            nd("Cast", ["k"], ["kf"], to=F32),
            nd("Mul", ["kf", "two"], ["k2"]), nd("Add", ["k2", "one"], ["k21"]),
            nd("Mul", ["k21", "t"], ["a"]), nd("Mul", ["a", "cur"], ["a2"]),
            nd("Mul", ["kf", "prev"], ["b"]), nd("Sub", ["a2", "b"], ["num"]),
            nd("Add", ["kf", "one"], ["k1"]), nd("Div", ["num", "k1"], ["next"]),
            nd("Identity", ["cond_in"], ["cond_out"]), nd("Identity", ["cur"], ["prev_out"]),
            nd("Identity", ["next"], ["cur_out"]), nd("Identity", ["cur"], ["col"]),
        ],
        "legendre_step",
        [helper.make_tensor_value_info("k", I64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("prev", F32, None), helper.make_tensor_value_info("cur", F32, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_value_info("prev_out", F32, None),
         helper.make_tensor_value_info("cur_out", F32, None), helper.make_tensor_value_info("col", F32, None)],
    )
    nodes = [
        _c("one", F32, [], [1.0]), _c("two", F32, [], [2.0]), _c("zero", F32, [], [0.0]),
        _c("true", TensorProto.BOOL, [], [True]), _c("scalar", I64, [0], []),
        nd("Reshape", ["n", "scalar"], ["trip"]),
        nd("Mul", ["t", "zero"], ["p_prev"]),
        nd("Add", ["p_prev", "one"], ["p_cur"]),
        nd("Loop", ["trip", "true", "p_prev", "p_cur"], ["prev_T", "cur_T", "cols"], body=body),
        nd("Transpose", ["cols"], ["basis"], perm=[1, 0]),
    ]
    return helper.make_function(DOMAIN, "LegendreBasis", ["t", "n"], ["basis"], nodes,
                                opset_imports=[helper.make_opsetid("", OPSET)])
