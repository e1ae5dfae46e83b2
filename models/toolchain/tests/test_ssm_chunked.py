"""The chunked closed-form S5 scan (ssm/chunked.py) and the export forward built on it (ssm/fast.py):
the same states and outputs as the step-by-step reference, and a graph without a Scan over time."""
import numpy as np
import onnx
import pytest
import torch

from toolchain.common.onnx_functions import DOMAIN
from toolchain.ssm.chunked import chunk_carry, chunked_scan, token_order
from toolchain.ssm.export import export_ssm
from toolchain.ssm.export_dev import build, cases
from toolchain.ssm.fast import forward_fast
from toolchain.ssm.ops import legendre_basis, s5_scan


def _lambda(P, seed):
    g = torch.Generator().manual_seed(seed)
    la = -torch.rand(P, generator=g) * 2.0  # |λ| from 0.14 (fast decay) to 1
    la[0] = -1e-4  # a slow mode: λ^T close to 1
    return la, torch.randn(P, generator=g) * 2.0


@pytest.mark.parametrize("B,L,P,chunk", [(3, 64, 8, 16), (2, 96, 5, 8), (1, 32, 3, 32), (4, 160, 6, 16)])
def test_chunked_scan_equals_the_sequential_recurrence(B, L, P, chunk):
    la, th = _lambda(P, B * L + P)
    lr, li = torch.exp(la) * torch.cos(th), torch.exp(la) * torch.sin(th)
    bu = torch.randn(B, L, P, 2, generator=torch.Generator().manual_seed(L))
    ref = torch.stack(s5_scan(bu[..., 0], bu[..., 1], lr, li), -1)  # [B, L, P, 2]
    # [2P, N]: rows (p, re/im), columns in token order
    cols = torch.stack([token_order(bu[:, :, p, r], chunk) for p in range(P) for r in range(2)])
    out = chunked_scan(cols, B, la, th, chunk_carry, chunk)
    back = torch.stack([token_order(ref[:, :, p, r], chunk) for p in range(P) for r in range(2)])
    scale = float(ref.abs().max())
    # float32: the reference multiplies λ in step by step, the chunked form takes λ^n in closed form
    assert float((out - back).abs().max()) <= 1e-5 * scale
    assert scale > 1.0  # not a vacuous comparison of zeros


def test_a_wrong_carry_is_caught():
    """Control: dropping the chunk-to-chunk state breaks the equality above by far."""
    B, L, P, chunk = 2, 64, 4, 16
    la, th = _lambda(P, 7)
    lr, li = torch.exp(la) * torch.cos(th), torch.exp(la) * torch.sin(th)
    bu = torch.randn(B, L, P, 2)
    ref = torch.stack(s5_scan(bu[..., 0], bu[..., 1], lr, li), -1)
    cols = torch.stack([token_order(bu[:, :, p, r], chunk) for p in range(P) for r in range(2)])
    out = chunked_scan(cols, B, la, th, lambda e, a, b: torch.zeros_like(e), chunk)
    back = torch.stack([token_order(ref[:, :, p, r], chunk) for p in range(P) for r in range(2)])
    assert float((out - back).abs().max()) > 1e-2


@pytest.mark.parametrize("chunk", [8, 16, 32])
def test_fast_forward_matches_the_reference_on_the_fixture_cases(chunk):
    """Every ssm-dev fixture case (NaN padding, all-NaN rows, horizons past one patch, s from 24/168 to 24/7,
    a custom head): the chunked forward's outputs equal SsmForecaster.forward's within 1e-5 relative."""
    model = build()
    for name, ctx, s, h, custom in cases(np.random.default_rng(3)):
        head = None
        if custom:
            head = {k: v.detach() + 0.05 for k, v in model.head_weights().items()}
        x, sf, hz = torch.from_numpy(ctx), torch.tensor([np.float32(s)]), torch.tensor([h])
        with torch.no_grad():
            ref = model(x, sf, hz, head=head)
            out = forward_fast(model, x, sf, hz, head, chunk_carry, legendre_basis, chunk)
        for o, r, what in zip(out, ref, ["quantiles", "embeddings", "loc", "scale"]):
            assert o.shape == r.shape, (name, what)
            assert float((o - r).abs().max()) <= 1e-5 * float(r.abs().max()), (name, what)


def test_the_chunked_graph_has_no_scan_over_time(tmp_path):
    model = build()
    export_ssm(model, str(tmp_path / "c.onnx"), str(tmp_path / "c.head.safetensors"))
    proto = onnx.load(str(tmp_path / "c.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    calls = sorted(n.op_type for n in proto.graph.node if n.domain == DOMAIN)
    assert calls == ["LegendreBasis", "S5ChunkCarry", "S5ChunkCarry"]  # one carry (over L/T chunks) per layer
    assert sorted(f.name for f in proto.functions) == ["LegendreBasis", "S5ChunkCarry"]
    export_ssm(model, str(tmp_path / "s.onnx"), str(tmp_path / "s.head.safetensors"), chunked=False)
    assert sorted(n.op_type for n in onnx.load(str(tmp_path / "s.onnx")).graph.node if n.domain == DOMAIN) == [
        "LegendreBasis", "S5Scan", "S5Scan"]  # the graphs before: a Scan over every step, one per layer


def test_fast_forward_matches_the_reference_for_the_r1_1_layers():
    """The r1.1 layer kind (output gate, gated MLP, biased projections) through the chunked forward."""
    from toolchain.ssm.config import SsmConfig
    from toolchain.ssm.model import SsmForecaster, hippo_init
    cfg = SsmConfig(context_length=256, embedding_feature_dim=32, encoder_num_layers=2, encoder_state_dim=16,
                    encoder_num_hippo_blocks=2, decoder_dim=16, min_context=256, mlp_type="transformer", out_gating=True)
    torch.manual_seed(5)
    model = hippo_init(SsmForecaster(cfg), 5).eval()
    for p in model.parameters():  # the init leaves C, D and the gate at zero: make every term count
        p.data += 0.1 * torch.randn_like(p)
    x = torch.from_numpy(np.random.default_rng(5).normal(0, 1, (3, 200)).cumsum(1).astype(np.float32))
    x[1, :50] = float("nan")
    for s, h in [(1.0, 30), (0.5, 100)]:
        sf, hz = torch.tensor([s]), torch.tensor([h])
        with torch.no_grad():
            ref = model(x, sf, hz)
            out = forward_fast(model, x, sf, hz, None, chunk_carry, legendre_basis)
        for o, r in zip(out, ref):
            assert o.shape == r.shape and float((o - r).abs().max()) <= 1e-5 * float(r.abs().max())
