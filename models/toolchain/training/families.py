"""Per-family model construction and the training loss on one batch (normalised pinball)."""
import math

import torch

from ..ssm.config import scale_factor_from_period
from ..ssm.model import SsmForecaster, hippo_init
from ..xlstm.model import XlstmForecaster, nan_scale, tokenize
from ..xlstm.preprocess import left_pad_to_patches
from .loss import normalise, pinball
from .scan import chunked_scan


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


def ssm_loss(model, context, target, period):
    """One scale factor per batch, s = 24 / period; the horizon is the batch's; the quantiles are
    compared in the context's scale (the same normalisation as xlstm's, for comparable losses)."""
    s = torch.tensor([scale_factor_from_period(float(period[0]))], dtype=torch.float32, device=context.device)
    h = torch.tensor([target.shape[1]], device=context.device)
    q = model(context, s, h, scan=chunked_scan)[0]
    loc, scale = nan_scale(context)
    return pinball((q - loc.unsqueeze(-1)) / scale.unsqueeze(-1), normalise(target, loc, scale))


def batch_loss(family, model, batch, dense=0.0):
    """The training objective of one batch; validation calls it with dense=0 (the horizon loss)."""
    if family == "ssm":
        return ssm_loss(model, batch["context"], batch["target"], batch["period"])
    return xlstm_loss(model, batch["context"], batch["target"], batch.get("context_full"), dense)
