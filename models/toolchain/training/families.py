"""Per-family model construction and the training loss on one batch (normalised pinball)."""
import math

import torch

from ..ssm.config import scale_factor_from_period
from ..ssm.model import SsmForecaster, hippo_init
from ..xlstm.model import XlstmForecaster, nan_scale, tokenize
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


def xlstm_loss(model, context, target):
    """The model's own forward on NaN-masked patches: k = ceil(H/P) next patches, k-1 of them fed as
    appended all-missing tokens (the rollout's accelerated mode); loss in the model's scaled space."""
    P = model.cfg.patch_size
    H = target.shape[1]
    k = math.ceil(H / P)
    tokens, n_ctx, loc, scale = tokenize(context, P, k - 1)
    emb = model.forward_tokens(tokens)[:, n_ctx - 1:]
    pred = model.head(emb)[:, :H]
    return pinball(pred, normalise(target, loc, scale))


def ssm_loss(model, context, target, period):
    """One scale factor per batch, s = 24 / period; the horizon is the batch's; the quantiles are
    compared in the context's scale (the same normalisation as xlstm's, for comparable losses)."""
    s = torch.tensor([scale_factor_from_period(float(period[0]))], dtype=torch.float32)
    h = torch.tensor([target.shape[1]])
    q = model(context, s, h, scan=chunked_scan)[0]
    loc, scale = nan_scale(context)
    return pinball((q - loc.unsqueeze(-1)) / scale.unsqueeze(-1), normalise(target, loc, scale))


def batch_loss(family, model, batch):
    if family == "ssm":
        return ssm_loss(model, batch["context"], batch["target"], batch["period"])
    return xlstm_loss(model, batch["context"], batch["target"])
