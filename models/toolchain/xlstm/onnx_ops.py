"""`ai.tsfm::SLSTMSequence`: the sLSTM recurrence as an ONNX function whose body is a Scan over
time with head-major batched MatMul, and the PyTorch hook that emits it during export."""
import torch
from onnx import TensorProto, helper

from ..common.onnx_functions import DOMAIN, OPSET
from .cell import slstm_sequence


class SLSTMSequenceOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, wx, R, bias, num_heads):
        return slstm_sequence(wx, R, bias, num_heads, "fp32")

    @staticmethod
    def symbolic(g, wx, R, bias, num_heads):
        out = g.op(f"{DOMAIN}::SLSTMSequence", wx, R, bias, num_heads_i=num_heads)
        # Declare y [B, S, D] so shape inference downstream of the custom op keeps D and 9 quantiles.
        x_sizes, r_sizes = wx.type().varyingSizes(), R.type().varyingSizes()
        if x_sizes and r_sizes and r_sizes[1] is not None:
            out.setType(wx.type().with_sizes([x_sizes[0], x_sizes[1], num_heads * r_sizes[1]]))
        else:
            out.setType(wx.type())
        return out


def slstm_sequence_export(wx, R, bias, num_heads, precision="fp32"):
    return SLSTMSequenceOp.apply(wx, R, bias, num_heads)


def slstm_sequence_function():
    """wx [B,S,4*D] (gate-major i,f,z,o), R [H,hd,4*hd], bias [4*D] -> y [B,S,D]; attribute num_heads."""
    n = helper.make_node
    body_nodes = [
        # rec = y @ R per head: [H,B,hd] x [H,hd,4hd] -> [H,B,4hd] -> [B,4,H,hd]
        n("Transpose", ["y_in"], ["y_h"], perm=[1, 0, 2]),
        n("MatMul", ["y_h", "R"], ["rec_h"]),
        n("Transpose", ["rec_h"], ["rec_b"], perm=[1, 0, 2]),
        n("Reshape", ["rec_b", "shape_b4h"], ["rec_r"]),
        n("Transpose", ["rec_r"], ["rec"], perm=[0, 2, 1, 3]),
        n("Add", ["x_t", "rec"], ["raw0"]),
        n("Add", ["raw0", "bias4"], ["raw"]),
        n("Split", ["raw", "split4"], ["i_r", "f_r", "z_r", "o_r"], axis=1),
        n("Squeeze", ["i_r", "ax1"], ["i_raw"]),
        n("Squeeze", ["f_r", "ax1"], ["f_raw"]),
        n("Squeeze", ["z_r", "ax1"], ["z_raw"]),
        n("Squeeze", ["o_r", "ax1"], ["o_raw"]),
        # f' = m + logsigmoid(min(f_raw, 15)); logsigmoid(x) = -softplus(-x)
        n("Min", ["f_raw", "fifteen"], ["f_cl"]),
        n("Neg", ["f_cl"], ["f_neg"]),
        n("Softplus", ["f_neg"], ["f_sp"]),
        n("Sub", ["m_in", "f_sp"], ["f_log"]),
        # m_t = i_raw when every n is 0 (the first step), else max(i_raw, f')
        n("Equal", ["n_in", "zero"], ["n_zero"]),
        n("Cast", ["n_zero"], ["n_zero_f"], to=TensorProto.FLOAT),
        n("ReduceMin", ["n_zero_f"], ["all_zero_f"], keepdims=0),
        n("Cast", ["all_zero_f"], ["all_zero"], to=TensorProto.BOOL),
        n("Max", ["i_raw", "f_log"], ["m_max"]),
        n("Where", ["all_zero", "i_raw", "m_max"], ["m_out"]),
        n("Sub", ["i_raw", "m_out"], ["i_d"]),
        n("Exp", ["i_d"], ["i_e"]),
        n("Min", ["i_e", "one"], ["i_g"]),
        n("Sub", ["f_log", "m_out"], ["f_d"]),
        n("Exp", ["f_d"], ["f_e"]),
        n("Min", ["f_e", "one"], ["f_g"]),
        n("Tanh", ["z_raw"], ["z"]),
        n("Sigmoid", ["o_raw"], ["o"]),
        n("Mul", ["f_g", "c_in"], ["fc"]),
        n("Mul", ["i_g", "z"], ["iz"]),
        n("Add", ["fc", "iz"], ["c_out"]),
        n("Mul", ["f_g", "n_in"], ["fn"]),
        n("Add", ["fn", "i_g"], ["n_out"]),
        n("Mul", ["o", "c_out"], ["oc"]),
        n("Div", ["oc", "n_out"], ["y_out"]),
        n("Identity", ["y_out"], ["y_scan"]),
    ]
    f = TensorProto.FLOAT
    body = helper.make_graph(
        body_nodes,
        "slstm_step",
        [helper.make_tensor_value_info(nm, f, None) for nm in ["y_in", "c_in", "n_in", "m_in", "x_t"]],
        [helper.make_tensor_value_info(nm, f, None) for nm in ["y_out", "c_out", "n_out", "m_out", "y_scan"]],
    )
    nodes = [
        n("Shape", ["wx"], ["wx_shape"]),
        n("Shape", ["R"], ["r_shape"]),
        n("Gather", ["wx_shape", "i0"], ["B"], axis=0),
        n("Gather", ["wx_shape", "i1"], ["S"], axis=0),
        n("Gather", ["r_shape", "i0"], ["H"], axis=0),
        n("Gather", ["r_shape", "i1"], ["hd"], axis=0),
        n("Mul", ["H", "hd"], ["D"]),
        n("Concat", ["B", "S", "four", "H", "hd"], ["shape_x"], axis=0),
        n("Reshape", ["wx", "shape_x"], ["x5"]),
        n("Transpose", ["x5"], ["xs"], perm=[1, 0, 2, 3, 4]),  # [S,B,4,H,hd]
        n("Concat", ["B", "H", "four", "hd"], ["shape_b4h"], axis=0),
        n("Concat", ["four", "H", "hd"], ["shape_bias"], axis=0),
        n("Reshape", ["bias", "shape_bias"], ["bias4"]),
        n("Concat", ["B", "H", "hd"], ["shape_state"], axis=0),
        n("ConstantOfShape", ["shape_state"], ["s0"], value=helper.make_tensor("z", f, [1], [0.0])),
        n("Scan", ["s0", "s0", "s0", "s0", "xs"], ["y_T", "c_T", "n_T", "m_T", "ys"], num_scan_inputs=1, body=body),
        n("Transpose", ["ys"], ["y_bs"], perm=[1, 0, 2, 3]),  # [B,S,H,hd]
        n("Concat", ["B", "S", "D"], ["shape_y"], axis=0),
        n("Reshape", ["y_bs", "shape_y"], ["y"]),
    ]
    consts = [
        helper.make_node("Constant", [], ["i0"], value=helper.make_tensor("i0v", TensorProto.INT64, [1], [0])),
        helper.make_node("Constant", [], ["i1"], value=helper.make_tensor("i1v", TensorProto.INT64, [1], [1])),
        helper.make_node("Constant", [], ["four"], value=helper.make_tensor("fv", TensorProto.INT64, [1], [4])),
        helper.make_node("Constant", [], ["split4"], value=helper.make_tensor("sv", TensorProto.INT64, [4], [1, 1, 1, 1])),
        helper.make_node("Constant", [], ["ax1"], value=helper.make_tensor("av", TensorProto.INT64, [1], [1])),
        helper.make_node("Constant", [], ["fifteen"], value=helper.make_tensor("f15", f, [], [15.0])),
        helper.make_node("Constant", [], ["one"], value=helper.make_tensor("f1", f, [], [1.0])),
        helper.make_node("Constant", [], ["zero"], value=helper.make_tensor("f0", f, [], [0.0])),
    ]
    return helper.make_function(
        DOMAIN, "SLSTMSequence", ["wx", "R", "bias"], ["y"], consts + nodes,
        opset_imports=[helper.make_opsetid("", OPSET)], attributes=["num_heads"],
    )
