"""TiRex preprocessing (MODELS.md §1.2): NaN-aware instance scaling and patch tokens with a mask.
Written with shape arithmetic that stays symbolic under torch.onnx tracing, so the ONNX export
and the eager reference run the very same code."""
import torch


def nan_scale(x):
    """Instance standard scaling over the window, NaN-aware, population std. loc = 0 and scale = 1
    for an all-NaN row; scale == 0 becomes |loc| + 1e-5. Returns loc, scale as [B, 1]."""
    observed = ~torch.isnan(x)
    cnt = observed.sum(-1, keepdim=True)
    x0 = torch.where(observed, x, torch.zeros_like(x))
    loc = x0.sum(-1, keepdim=True) / cnt.clamp(min=1)
    loc = torch.where(cnt > 0, loc, torch.zeros_like(loc))
    dev = torch.where(observed, (x - loc) ** 2, torch.zeros_like(x))
    scale = torch.sqrt(dev.sum(-1, keepdim=True) / cnt.clamp(min=1))
    scale = torch.where(cnt > 0, scale, torch.ones_like(scale))
    scale = torch.where(scale == 0, loc.abs() + 1e-5, scale)
    return loc, scale


def left_pad_to_patches(context, patch_size):
    """Left-pads with NaN to a whole number of patches (NaN is 'missing', so scaling ignores it)."""
    B, L = context.shape[0], context.shape[1]
    pad = (patch_size - L % patch_size) % patch_size
    nan_col = torch.full_like(context[:, :1], float("nan"))
    return torch.cat([nan_col.expand(B, pad), context], 1)


def tokenize(context, patch_size, extra_patches=0):
    """context [B, L] -> tokens [B, n_ctx + extra_patches, 2P] = [values (NaN -> 0) | mask (1 = observed)],
    n_ctx, loc [B, 1], scale [B, 1]. The extra patches are all-missing (TiRex's rollout tokens)."""
    P = patch_size
    context = left_pad_to_patches(context, P)
    B = context.shape[0]
    loc, scale = nan_scale(context)
    x = ((context - loc) / scale).reshape(B, -1, P)
    mask = (~torch.isnan(x)).to(x.dtype)
    tokens = torch.cat([torch.nan_to_num(x, nan=0.0), mask], -1)
    n_ctx = tokens.shape[1]
    extra = torch.zeros_like(tokens[:, :1, :]).expand(B, extra_patches, 2 * P)
    return torch.cat([tokens, extra], 1), n_ctx, loc, scale


def adjust_context(context, length):
    """TiRex's _adjust_context_length: keep the last `length` values, left-pad with NaN to it."""
    B, L = context.shape
    if L >= length:
        return context[:, L - length:]
    return torch.cat([torch.full((B, length - L), float("nan"), dtype=context.dtype, device=context.device), context], 1)
