"""Per-family model construction and the training loss on one batch (normalised pinball)."""
import math

import torch

from ..ssm.config import scale_factor_from_period
from ..ssm.model import SsmForecaster, hippo_init, sample_times
from ..xlstm.model import XlstmForecaster, nan_scale, tokenize
from ..xlstm.preprocess import left_pad_to_patches
from .loss import normalise, pinball
from .scan import chunked_scan


def same_weights_shape(a, b, also_ignore=()):
    """Whether two model configs (dicts) give the same weights: `context_length`, the xlstm family's
    input window, shapes none of them, and `also_ignore` lists further keys to leave out."""
    skip = ("context_length",) + tuple(also_ignore)
    return {k: v for k, v in a.items() if k not in skip} == {k: v for k, v in b.items() if k not in skip}


def build_model(family, cfg, seed):
    torch.manual_seed(seed)
    if family == "ssm":
        return hippo_init(SsmForecaster(cfg), seed)
    model = XlstmForecaster(cfg)
    with torch.no_grad():  # xLSTM practice: forget-gate bias spread over [3, 6] so memory starts long
        for blk in model.blocks:
            cell = blk.slstm_layer.slstm_cell
            H, hd = cell._recurrent_kernel_.shape[0], cell._recurrent_kernel_.shape[1]
            cell._bias_.view(H, 4, hd)[:, 1, :] = torch.linspace(3.0, 6.0, hd)
    return model


def xlstm_loss(model, context, target, context_full=None, dense=0.0):
    """The model's own forward on NaN-masked patches: k = ceil(H/P) next patches, k-1 of them fed as
    appended all-missing tokens (the rollout's accelerated mode); loss in the model's scaled space.
    With `dense` > 0 and the unmasked context, every context token also predicts the next context
    patch (TiRex-style per-token supervision, nearly free: the embeddings are computed anyway); the
    loss is (1 - dense) * horizon pinball + dense * per-token pinball."""
    P = model.cfg.patch_size
    H = target.shape[1]
    k = math.ceil(H / P)
    tokens, n_ctx, loc, scale = tokenize(context, P, k - 1)
    emb = model.forward_tokens(tokens)
    pred = model.head(emb[:, n_ctx - 1:])[:, :H]
    loss = pinball(pred, normalise(target, loc, scale))
    if dense <= 0 or context_full is None or n_ctx < 2:
        return loss
    nxt = left_pad_to_patches(context_full, P)[:, P:]  # token i's target: context patch i + 1
    per_token = pinball(model.head(emb[:, :n_ctx - 1]), normalise(nxt, loc, scale))
    return (1 - dense) * loss + dense * per_token


def ssm_loss(model, context, target, period, parallel=0.0):
    """One scale factor per batch, s = 24 / period; the horizon is the batch's; the quantiles are
    compared in the context's scale (the same normalisation as xlstm's, for comparable losses).
    With `parallel` > 0, context positions also forecast (FlowState's parallel forecasts from the
    context, which its causal RevIN allows): every P-th position j from the end, with at least P
    steps before it, predicts the context's steps j+1..j+P through the same decoder (sort + the
    quantile matrix, de-normalised by its own causal stats); the loss is
    (1 - parallel) * horizon pinball + parallel * context pinball."""
    s = torch.tensor([scale_factor_from_period(float(period[0]))], dtype=torch.float32, device=context.device)
    h = torch.tensor([target.shape[1]], device=context.device)
    loc, scale = nan_scale(context)
    if parallel <= 0:
        q = model(context, s, h, scan=chunked_scan)[0]
        return pinball((q - loc.unsqueeze(-1)) / scale.unsqueeze(-1), normalise(target, loc, scale))
    u, mu, sigma, ctx, plan = model.encode_sequence(context, s, h, scan=chunked_scan)
    q = model.decode(*model.emitting(u, mu, sigma, plan[2]), plan, h)
    loss = pinball((q - loc.unsqueeze(-1)) / scale.unsqueeze(-1), normalise(target, loc, scale))
    return (1 - parallel) * loss + parallel * context_loss(model, u, mu, sigma, ctx, plan, loc, scale)


def context_loss(model, u, mu, sigma, ctx, plan, loc, scale):
    """Pinball of the forecasts from context positions j = Lc-1-P, Lc-1-2P, ... >= P of the next P
    context steps (NaN targets masked), in the context's scale; 0 when the context is too short."""
    s, P, _ = plan
    P = int(P)
    Lc = ctx.shape[1]
    if Lc - 1 - P < P:  # no position with P steps before it and P after it
        return torch.zeros((), device=ctx.device)
    js = torch.arange(Lc - 1 - P, P - 1, -P, device=ctx.device)
    B, T, Q = ctx.shape[0], js.numel(), model.cfg.num_quantiles
    vals = model.curve(u[:, js], sample_times(P, s, model.cfg.decoder_patch_len).to(u.device))  # [B, T, Q, P]
    vals = vals * sigma[:, js, None, None] + mu[:, js, None, None]
    ordered, _ = torch.sort(vals.permute(0, 1, 3, 2), dim=-1)  # [B, T, P, Q]
    pred = torch.matmul(ordered, model.qmat.t()).reshape(B, T * P, Q)
    tgt = ctx[:, (js[:, None] + 1 + torch.arange(P, device=ctx.device)).reshape(-1)]  # [B, T * P]
    return pinball((pred - loc.unsqueeze(-1)) / scale.unsqueeze(-1), normalise(tgt, loc, scale))


def batch_loss(family, model, batch, dense=0.0):
    """The training objective of one batch; validation calls it with dense=0 (the horizon loss).
    `dense` is the xlstm's per-token weight and the ssm's parallel (context positions) weight."""
    if family == "ssm":
        return ssm_loss(model, batch["context"], batch["target"], batch["period"], dense)
    return xlstm_loss(model, batch["context"], batch["target"], batch.get("context_full"), dense)
