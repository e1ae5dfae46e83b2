"""The service's multiplicative seasonal adjustment (libs/forecasting/src/seasonal-adjustment.ts) on
training batches, so that a model can be trained on what it reads when the service adjusts a series:
a context whose observed values are all > 0, hold at least 3 seasons and pass the 90 % lag-m
autocorrelation test is divided by its classical-decomposition profile over the last `cycles`
seasons, and the target by the factors of the steps it covers (the loss then compares the model's
forecast of the adjusted series with the adjusted target, as the service multiplies it back)."""
import numpy as np

MIN_CYCLES = 3
Z90 = 1.645


def seasonality_test(x, m):
    """(r_m, bound, passed) of the observed values (pairs with both ends observed), or None with too few."""
    ok = np.isfinite(x)
    n = int(ok.sum())
    if n < MIN_CYCLES * m:
        return None
    mean = x[ok].mean()
    d = np.where(ok, x - mean, 0.0)
    den = float((d ** 2).sum())
    if not den > 0:
        return None
    acf = [float((d[k:] * d[:-k]).sum()) / den for k in range(1, m + 1)]
    bound = Z90 * np.sqrt((1 + 2 * sum(a * a for a in acf[:-1])) / n)
    return acf[-1], bound, abs(acf[-1]) > bound


def log_profile(x, m):
    """Log seasonal profile by phase from the start of x, centred; None when a phase has no value."""
    lx = np.where(np.isfinite(x) & (x > 0), np.log(np.where(x > 0, x, 1.0)), np.nan)
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = (len(w) - 1) // 2
    n = len(lx)
    if n - 2 * half <= 0:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(lx, len(w))  # [n - 2 half, len(w)]
    trend = windows @ w  # NaN wherever a window holds a NaN
    det = lx[half:n - half] - trend
    phase = np.arange(half, n - half) % m
    ok = np.isfinite(det)
    counts = np.bincount(phase[ok], minlength=m)
    if (counts == 0).any():
        return None
    idx = np.bincount(phase[ok], weights=det[ok], minlength=m) / counts
    return idx - idx.mean()


def plan(context, m, cycles=6):
    """Factors of the forecast steps (factors[t mod m] for step t), or None (the context is read as it is)."""
    if m < 2 or m != int(m):
        return None
    m = int(m)
    obs = context[np.isfinite(context)]
    if obs.size == 0 or (obs <= 0).any():
        return None
    t = seasonality_test(context.astype(np.float64), m)
    if t is None or not t[2]:
        return None
    span = context[-cycles * m:].astype(np.float64)
    p = log_profile(span, m)
    if p is None:
        return None
    return np.exp(p[(len(span) + np.arange(m)) % m])


def adjust_batch(b, cycles=6):
    """Adjusts, in place, the series of a batch dict (context, target, period; context_full when present)
    that pass; returns how many did."""
    ctx, tgt, per = b["context"], b["target"], b["period"]
    full = b.get("context_full")
    count = 0
    for i in range(ctx.shape[0]):
        f = plan(ctx[i], float(per[i]), cycles)
        if f is None:
            continue
        m, C, H = len(f), ctx.shape[1], tgt.shape[1]
        past = f[(np.arange(C) - C) % m]
        ctx[i] = ctx[i] / past
        if full is not None:
            full[i] = full[i] / past
        tgt[i] = tgt[i] / f[np.arange(H) % m]
        count += 1
    return count
