"""TiRex-architecture forecaster. Module and parameter names match the official state dict
(after stripping `block_stack.`), so an official checkpoint loads with strict=True."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .cell import slstm_sequence
from .config import XlstmConfig
from .preprocess import adjust_context, nan_scale, tokenize  # noqa: F401 (re-exported)
from .rollout import forecast  # noqa: F401


class ResidualBlock(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.hidden_layer = nn.Linear(d_in, d_hidden)
        self.output_layer = nn.Linear(d_hidden, d_out)
        self.residual_layer = nn.Linear(d_in, d_out)

    def forward(self, x):
        return self.output_layer(F.relu(self.hidden_layer(x))) + self.residual_layer(x)


def residual_block(x, w):
    """The same block with explicit weights: the head, when it is swapped per request."""
    h = F.relu(F.linear(x, w["hidden_layer.weight"], w["hidden_layer.bias"]))
    return F.linear(h, w["output_layer.weight"], w["output_layer.bias"]) + F.linear(x, w["residual_layer.weight"], w["residual_layer.bias"])


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        return x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LinearHeadwiseExpand(nn.Module):
    def __init__(self, heads, hd):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(heads, hd, hd))
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(hd))


class SLSTMCellParams(nn.Module):
    def __init__(self, heads, hd):
        super().__init__()
        self._recurrent_kernel_ = nn.Parameter(torch.zeros(heads, hd, 4 * hd))
        self._bias_ = nn.Parameter(torch.zeros(heads * 4 * hd))


class SLSTMLayer(nn.Module):
    def __init__(self, cfg: XlstmConfig):
        super().__init__()
        H, hd = cfg.num_heads, cfg.head_dim
        self.num_heads = H
        self.fgate = LinearHeadwiseExpand(H, hd)
        self.igate = LinearHeadwiseExpand(H, hd)
        self.zgate = LinearHeadwiseExpand(H, hd)
        self.ogate = LinearHeadwiseExpand(H, hd)
        self.slstm_cell = SLSTMCellParams(H, hd)
        self.group_norm = nn.Module()
        self.group_norm.weight = nn.Parameter(torch.zeros(cfg.embedding_dim))

    def gate_weights(self):
        """[H, hd_in, 4*hd_out] for x_h @ W: the modules named fgate/igate feed the i/f gates
        (the official naming swap: `i, f, z, o = fgate(x), igate(x), zgate(x), ogate(x)`)."""
        ws = [self.fgate.weight, self.igate.weight, self.zgate.weight, self.ogate.weight]  # each [H, out, in]
        return torch.cat([w.transpose(1, 2) for w in ws], dim=2)

    def bias_gate_major(self):
        H = self.num_heads
        hd = self.slstm_cell._recurrent_kernel_.shape[1]
        return self.slstm_cell._bias_.view(H, 4, hd).permute(1, 0, 2).reshape(-1)

    def forward(self, x, precision="fp32", sequence_fn=None):
        B, S, D = x.shape
        H = self.num_heads
        hd = D // H
        xh = x.reshape(B * S, H, hd).transpose(0, 1)  # [H, B*S, hd]
        wx = torch.bmm(xh, self.gate_weights())  # [H, B*S, 4*hd]
        wx = wx.view(H, B, S, 4, hd).permute(1, 2, 3, 0, 4).reshape(B, S, 4 * D)
        fn = sequence_fn or slstm_sequence
        y = fn(wx, self.slstm_cell._recurrent_kernel_, self.bias_gate_major(), H, precision)
        # MultiHeadLayerNorm = group_norm(groups=heads, weight=1+w, no bias, eps 1e-5), written out
        # so the export keeps plain ops.
        yg = y.reshape(B, S, H, hd)
        mu = yg.mean(-1, keepdim=True)
        var = (yg - mu).pow(2).mean(-1, keepdim=True)
        yn = ((yg - mu) / torch.sqrt(var + 1e-5)).reshape(B, S, D)
        return yn * (1.0 + self.group_norm.weight)


class FeedForward(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.proj_up_gate = nn.Linear(d, hidden, bias=False)
        self.proj_up = nn.Linear(d, hidden, bias=False)
        self.proj_down = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.proj_down(F.silu(self.proj_up_gate(x)) * self.proj_up(x))


class SLSTMBlock(nn.Module):
    def __init__(self, cfg: XlstmConfig):
        super().__init__()
        self.norm_slstm = RMSNorm(cfg.embedding_dim)
        self.slstm_layer = SLSTMLayer(cfg)
        self.norm_ffn = RMSNorm(cfg.embedding_dim)
        self.ffn = FeedForward(cfg.embedding_dim, cfg.ffn_dim)

    def forward(self, x, precision="fp32", sequence_fn=None):
        x = x + self.slstm_layer(self.norm_slstm(x), precision, sequence_fn)
        return x + self.ffn(self.norm_ffn(x))


class XlstmForecaster(nn.Module):
    """The TiRex forecaster. `forward` is the inference path the ONNX graph reproduces; a trainer can
    use `tokenize` + `forward_tokens` (all positions) and `head` directly."""

    def __init__(self, cfg: XlstmConfig):
        super().__init__()
        self.cfg = cfg
        P, D = cfg.patch_size, cfg.embedding_dim
        self.input_patch_embedding = ResidualBlock(2 * P, cfg.input_ff_dim, D)
        self.blocks = nn.ModuleList([SLSTMBlock(cfg) for _ in range(cfg.num_blocks)])
        self.out_norm = RMSNorm(D)
        self.output_patch_embedding = ResidualBlock(D, cfg.input_ff_dim, cfg.num_quantiles * P)

    def head_weights(self):
        return dict(self.output_patch_embedding.state_dict())

    def forward_tokens(self, tokens, precision="fp32", sequence_fn=None, return_all_hidden=False):
        """tokens [B, S, 2P] -> out_norm(last block) [B, S, D] (the head's input at every position);
        with return_all_hidden also every block's output [B, S, num_blocks, D] (TiRex _embed_context)."""
        h = self.input_patch_embedding(tokens)
        hidden = []
        for blk in self.blocks:
            h = blk(h, precision, sequence_fn)
            hidden.append(h)
        out = self.out_norm(h)
        return (out, torch.stack(hidden, -2)) if return_all_hidden else out

    def head(self, emb, head=None):
        """emb [B, k, D] -> scaled quantiles [B, k*P, Q]; the head output is quantile-major [Q, P]."""
        out = residual_block(emb, head) if head is not None else self.output_patch_embedding(emb)
        B, Q, P = emb.shape[0], self.cfg.num_quantiles, self.cfg.patch_size
        return out.reshape(B, -1, Q, P).transpose(2, 3).reshape(B, -1, Q)

    def forward_extra(self, context, extra_patches, head=None, precision="fp32", sequence_fn=None):
        tokens, n_ctx, loc, scale = tokenize(context, self.cfg.patch_size, extra_patches)
        emb = self.forward_tokens(tokens, precision, sequence_fn)[:, n_ctx - 1:]
        q = self.head(emb, head) * scale.unsqueeze(-1) + loc.unsqueeze(-1)
        return q, emb, loc.squeeze(-1), scale.squeeze(-1)

    def forward(self, context, new_patches=1, head=None, precision="fp32", sequence_fn=None):
        """context [B, L] (NaN = missing) -> quantiles [B, 32*k, 9], embeddings [B, k, D], loc [B],
        scale [B]. The context is left-padded with NaN to whole patches; k-1 all-missing patches are
        appended so one pass emits k patches (TiRex's accelerated rollout). `head` optionally
        replaces the output block's weights ({hidden_layer.weight, ...})."""
        if int(new_patches) < 1:
            raise ValueError("new_patches must be >= 1")
        return self.forward_extra(context, int(new_patches) - 1, head, precision, sequence_fn)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
